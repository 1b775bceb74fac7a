//! systemd notifications reach `$NOTIFY_SOCKET` as the datagrams `sd_notify(3)` defines. A binary of its own:
//! the environment is process-wide, and this is its only test, so nothing else reads it meanwhile.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use casewatch::daemon::systemd;

fn receive(socket: &UnixDatagram) -> String {
    let mut buffer = [0u8; 4096];
    let n = socket.recv(&mut buffer).expect("a notification");
    String::from_utf8(buffer[..n].to_vec()).unwrap()
}

#[test]
fn notifications_reach_the_notify_socket_and_nothing_is_sent_without_one() {
    // SAFETY: the only test in this binary, so no other thread reads or writes the environment meanwhile.
    unsafe {
        std::env::remove_var("NOTIFY_SOCKET");
        std::env::remove_var("WATCHDOG_USEC");
        std::env::remove_var("WATCHDOG_PID");
    }
    systemd::ready();
    systemd::watchdog_ping();
    assert_eq!(systemd::watchdog_interval(), None);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // SAFETY: as above.
    unsafe { std::env::set_var("NOTIFY_SOCKET", &path) };

    systemd::ready();
    assert_eq!(receive(&socket), "READY=1\n");
    systemd::status("last tick 09:15: 412 cases\nREADY=1");
    assert_eq!(
        receive(&socket),
        "STATUS=last tick 09:15: 412 cases READY=1\n"
    );
    systemd::watchdog_ping();
    assert_eq!(receive(&socket), "WATCHDOG=1\n");
    systemd::reloading();
    let reloading = receive(&socket);
    assert!(
        reloading.starts_with("RELOADING=1\nMONOTONIC_USEC="),
        "{reloading}"
    );
    systemd::stopping();
    assert_eq!(receive(&socket), "STOPPING=1\n");

    // WatchdogSec=30s: ping every 15 s, when the watchdog is meant for this process.
    let pid = std::process::id().to_string();
    // SAFETY: as above.
    unsafe {
        std::env::set_var("WATCHDOG_USEC", "30000000");
        std::env::set_var("WATCHDOG_PID", &pid);
    }
    assert_eq!(systemd::watchdog_interval(), Some(Duration::from_secs(15)));
    // SAFETY: as above.
    unsafe { std::env::set_var("WATCHDOG_PID", "1") };
    assert_eq!(systemd::watchdog_interval(), None);
}
