//! Pairing pieces of the tests: a terminal that checks MACs, a simulated cashier that records
//! every saved auth state, and one POS key for the whole test binary.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sca_ws::Response;
use sca_ws::broker::PosKey;
use sca_ws::terminal::AuthState;
use sca_ws_tokio::terminal::{ClientConfig, Handler, PairingAnswer, PairingRequest, Request};

/// The POS key of every test (generated once; RSA keygen is the slow part).
pub fn pos_key() -> &'static PosKey {
    static KEY: OnceLock<PosKey> = OnceLock::new();
    KEY.get_or_init(|| PosKey::generate([9; 32]).expect("rsa key"))
}

/// [`super::terminal_config`] with MAC checks on (SKIPPOSAUTH=0).
pub fn checking_config(addr: SocketAddr, id: &str) -> ClientConfig {
    let mut config = super::terminal_config(addr, id);
    let text = format!(
        "WEBSOCKETADDRESS=127.0.0.1\nWEBSOCKETPORT={}\nWEBSOCKETTLS=0\nWEBSOCKETPINPADID={id}\n\
         SKIPPOSAUTH=0\nWEBSOCKETRECONNECTFIRST_MS=100\nWEBSOCKETRECONNECTMAX_MS=300\n\
         WEBSOCKETCONNECTTIMEOUT_MS=5000",
        addr.port()
    );
    config.terminal = sca_ws::terminal::Config::parse(&text)
        .expect("config")
        .config;
    config
}

/// What the cashier does, and what the test sees of the saves.
#[derive(Clone, Default)]
pub struct Cashier {
    /// What the cashier types; `None`: the ENTRY_CODE of the request.
    pub typed: Option<String>,
    /// Cancel every pairing.
    pub refuse: bool,
    /// Make every save fail.
    pub fail_save: bool,
    /// How long a save takes.
    pub save_delay: Duration,
    /// Every state saved, in order (a save counts once it finished).
    pub saved: Arc<Mutex<Vec<AuthState>>>,
    /// Requests the application carried out (their COUNTERs).
    pub served: Arc<Mutex<Vec<Option<u32>>>>,
}

impl Cashier {
    /// The last state saved.
    pub fn last_saved(&self) -> Option<AuthState> {
        self.saved.lock().expect("saved").last().cloned()
    }
}

impl Handler for Cashier {
    async fn request(&self, request: Request) -> Response {
        let counter = request
            .transaction
            .counter()
            .and_then(Result::ok)
            .map(|c| c.get());
        self.served.lock().expect("served").push(counter);
        Response::success("done")
    }

    async fn pairing(&self, request: PairingRequest) -> PairingAnswer {
        if self.refuse {
            return PairingAnswer::Refuse;
        }
        let code = self.typed.clone().unwrap_or_else(|| {
            request
                .transaction
                .fields()
                .get("ENTRY_CODE")
                .unwrap_or_default()
                .to_owned()
        });
        PairingAnswer::Code(code)
    }

    async fn auth_changed(&self, state: AuthState) -> Result<(), String> {
        tokio::time::sleep(self.save_delay).await;
        if self.fail_save {
            return Err("disk full".into());
        }
        self.saved.lock().expect("saved").push(state);
        Ok(())
    }
}
