//! FUNCTION_TYPE and COMMAND as typed enums over the catalogue of PROTOCOL.md §3, each with an
//! `Other` arm so unknown values still parse and round-trip ([spec]: unknown commands are
//! passed on).

use std::fmt;

/// A FUNCTION_TYPE or COMMAND value outside the catalogue, kept verbatim.
///
/// It can only be made by [`FunctionType::from_name`] / [`Command::from_name`] (and the other
/// `from_name` constructors), which never wrap a catalogued value, so `Other("SESSION")` cannot
/// exist and equality stays meaningful.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OtherName(Box<str>);

impl OtherName {
    /// The value as it appeared in the document.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn new(name: &str) -> Self {
        Self(name.into())
    }
}

macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        $ty:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $ty {
            $( $(#[$vmeta])* $variant, )*
            /// Any other value, kept verbatim so it round-trips.
            Other(OtherName),
        }

        impl $ty {
            /// Maps a document value to its variant; anything uncatalogued becomes `Other`.
            pub fn from_name(name: &str) -> Self {
                match name {
                    $( $text => Self::$variant, )*
                    other => Self::Other(OtherName::new(other)),
                }
            }

            /// The value as written in a document.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other(name) => name.as_str(),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

catalogue! {
    /// The `FUNCTION_TYPE` of a request: which family of commands it belongs to.
    FunctionType {
        /// `SECURITY`: registration and MAC keys [spec].
        Security = "SECURITY",
        /// `ADMIN`: counters, clock, lane state, updates [spec].
        Admin = "ADMIN",
        /// `SESSION`: START / FINISH [spec].
        Session = "SESSION",
        /// `SECONDARYPORT`: commands allowed while a primary one runs [spec].
        SecondaryPort = "SECONDARYPORT",
        /// `PAYMENT` [spec].
        Payment = "PAYMENT",
        /// `LINE_ITEM` [code].
        LineItem = "LINE_ITEM",
        /// `DEVICE` [spec].
        Device = "DEVICE",
        /// `REPORT` [spec].
        Report = "REPORT",
        /// `SAF`: store-and-forward queue [code].
        Saf = "SAF",
    }
}

catalogue! {
    /// The `COMMAND` of a request. One flat list: the same word (e.g. `REMOVE`) can belong to
    /// several function types.
    Command {
        /// SECURITY REGISTER [spec].
        Register = "REGISTER",
        /// SECURITY REGISTER_ENCRYPTION [spec].
        RegisterEncryption = "REGISTER_ENCRYPTION",
        /// SECURITY UNREGISTER [spec].
        Unregister = "UNREGISTER",
        /// SECURITY UNREGISTERALL [code].
        UnregisterAll = "UNREGISTERALL",
        /// SECURITY TEST_MAC [spec].
        TestMac = "TEST_MAC",
        /// ADMIN GET_COUNTER [spec].
        GetCounter = "GET_COUNTER",
        /// ADMIN SETTIME [spec].
        SetTime = "SETTIME",
        /// ADMIN LANE_CLOSED [spec].
        LaneClosed = "LANE_CLOSED",
        /// ADMIN APPLYUPDATES [spec].
        ApplyUpdates = "APPLYUPDATES",
        /// SESSION START [spec].
        Start = "START",
        /// SESSION FINISH [spec].
        Finish = "FINISH",
        /// SECONDARYPORT CANCEL [spec].
        Cancel = "CANCEL",
        /// SECONDARYPORT UPDATE_STATUS [spec].
        UpdateStatus = "UPDATE_STATUS",
        /// SECONDARYPORT GET_SAF_STATUS [spec].
        GetSafStatus = "GET_SAF_STATUS",
        /// SECONDARYPORT STATUS [code].
        Status = "STATUS",
        /// SECONDARYPORT REBOOT [code].
        Reboot = "REBOOT",
        /// SECONDARYPORT ANY_UPDATES [code].
        AnyUpdates = "ANY_UPDATES",
        /// PAYMENT CAPTURE [spec].
        Capture = "CAPTURE",
        /// PAYMENT OPEN_TAB [spec].
        OpenTab = "OPEN_TAB",
        /// PAYMENT RESET_TIP [spec].
        ResetTip = "RESET_TIP",
        /// PAYMENT AUTH [code].
        Auth = "AUTH",
        /// PAYMENT CREDIT [code].
        Credit = "CREDIT",
        /// PAYMENT VOID [code].
        Void = "VOID",
        /// LINE_ITEM ADD [code].
        Add = "ADD",
        /// LINE_ITEM OVERRIDE [code].
        Override = "OVERRIDE",
        /// LINE_ITEM REMOVE, SAF REMOVE [code].
        Remove = "REMOVE",
        /// DEVICE VERSION [spec].
        Version = "VERSION",
        /// DEVICE GET_DEVICENAME [spec].
        GetDeviceName = "GET_DEVICENAME",
        /// DEVICE SET_DEVICENAME [spec].
        SetDeviceName = "SET_DEVICENAME",
        /// DEVICE CREDIT_APP [spec].
        CreditApp = "CREDIT_APP",
        /// DEVICE CUST_BUTTON [spec].
        CustButton = "CUST_BUTTON",
        /// DEVICE DISPLAY_MESSAGE [code].
        DisplayMessage = "DISPLAY_MESSAGE",
        /// DEVICE GET_PAYMENT_TYPES [code].
        GetPaymentTypes = "GET_PAYMENT_TYPES",
        /// DEVICE SET_PARM [code].
        SetParm = "SET_PARM",
        /// REPORT LAST_TRAN [code].
        LastTran = "LAST_TRAN",
        /// REPORT UNADJUSTED_TIP [spec].
        UnadjustedTip = "UNADJUSTED_TIP",
        /// SAF QUERY [code].
        Query = "QUERY",
        /// SAF EDIT [code].
        Edit = "EDIT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        for name in [
            "SESSION",
            "SECONDARYPORT",
            "LINE_ITEM",
            "SAF",
            "FOO",
            "session",
            "",
        ] {
            assert_eq!(FunctionType::from_name(name).as_str(), name);
        }
        for name in ["START", "GET_COUNTER", "REMOVE", "EDIT", "FLY"] {
            assert_eq!(Command::from_name(name).as_str(), name);
        }
        assert_eq!(FunctionType::from_name("SESSION"), FunctionType::Session);
        assert!(matches!(Command::from_name("FLY"), Command::Other(_)));
        assert_eq!(
            Command::from_name("UNREGISTERALL").to_string(),
            "UNREGISTERALL"
        );
    }
}
