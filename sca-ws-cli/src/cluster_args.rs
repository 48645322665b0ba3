//! `pos_broker --nats URL --node-id NAME`: taken off the command line before the broker's
//! own parser sees it, so the single-node flags stay in one file and the cluster's in this.

use sca_ws_tokio::cluster::subject::check_node_id;

/// The usage of the cluster flags, appended to the broker's usage line.
pub const USAGE: &str = "[--nats URL --node-id NAME]";

/// How this node joins a cluster; `None` from [`take`] for a single node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterArgs {
    /// `--nats`: the NATS server, e.g. `nats://127.0.0.1:4222`.
    pub nats_url: String,
    /// `--node-id`: this node's name, unique in the cluster.
    pub node_id: String,
}

/// Splits `args` into the cluster's settings and the arguments left for
/// [`crate::broker_args::parse`]; `Err` says what is wrong.
pub fn take(
    args: impl Iterator<Item = String>,
) -> Result<(Option<ClusterArgs>, Vec<String>), String> {
    let (mut nats, mut node, mut rest) = (None, None, Vec::new());
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--nats" => nats = Some(args.next().ok_or("--nats needs a URL (nats://HOST:PORT)")?),
            "--node-id" => node = Some(args.next().ok_or("--node-id needs a name")?),
            _ => rest.push(arg),
        }
    }
    let cluster = match (nats, node) {
        (None, None) => None,
        (Some(nats_url), Some(node_id)) => {
            check_node_id(&node_id).map_err(|e| format!("--node-id: {e}"))?;
            if nats_url.trim().is_empty() {
                return Err("--nats needs a URL (nats://HOST:PORT)".into());
            }
            Some(ClusterArgs { nats_url, node_id })
        }
        _ => return Err("--nats and --node-id go together".into()),
    };
    Ok((cluster, rest))
}

#[cfg(test)]
mod tests {
    use super::take;

    fn split(line: &str) -> Result<(Option<super::ClusterArgs>, Vec<String>), String> {
        take(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn the_cluster_flags_come_off_and_the_rest_stays() {
        let (cluster, rest) =
            split("--listen 127.0.0.1:0 --nats nats://127.0.0.1:4222 --node-id a").unwrap();
        let cluster = cluster.expect("cluster");
        assert_eq!(cluster.node_id, "a");
        assert_eq!(rest, ["--listen", "127.0.0.1:0"]);
        assert_eq!(split("--listen x").unwrap().0, None);
        for (bad, why) in [
            ("--nats nats://h:1", "go together"),
            ("--node-id a", "go together"),
            ("--nats", "needs a URL"),
            ("--nats nats://h:1 --node-id", "needs a name"),
            ("--nats nats://h:1 --node-id a.b", "--node-id"),
            ("--nats nats://h:1 --node-id *", "--node-id"),
        ] {
            let error = split(bad).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
    }
}
