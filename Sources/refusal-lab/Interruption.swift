#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM end the tool at once with the shell's status for the signal
/// (130, 143) and one line on stderr. Nothing half-written is left: every file the tool
/// writes is written to a temporary file and renamed, and a sweep appends whole lines
/// (a cut last line is dropped by `--resume`).
enum Interruption {
  /// Installs the handlers; call once, first thing.
  static func install() {
    signal(SIGINT, onSignal)
    signal(SIGTERM, onSignal)
    // A parent may have started the tool with these signals blocked (the mask is inherited).
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }
}

/// Only async-signal-safe calls: `write` and `_exit`.
private func onSignal(_ number: Int32) {
  let message: StaticString = "\ninterrupted\n"
  _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
  _exit(128 + number)
}
