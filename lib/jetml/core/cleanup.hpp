// SPDX-License-Identifier: MIT
// jetml/core/cleanup.hpp - temporary outputs removed on SIGINT, SIGTERM and SIGHUP.
//
// Every temporary output file (jetml::output's OUT.tmp-XXXXXX) registers itself here while it
// exists. run_tool() installs a handler for SIGINT, SIGTERM and SIGHUP that unlinks every
// registered file, writes one line "tool: interrupted by SIGTERM; removed partial output OUT"
// ("outputs A, B" for several, nothing after the signal's name when there was none) to stderr with write(2), and re-raises the signal with its default action, so that the
// process ends killed by it (a shell reports status 128 + signal number). The handler is
// async-signal-safe: it only reads paths formatted at registration, calls unlink(2), write(2),
// sigaction(2) and raise(3).
#pragma once
#include <csignal>
#include <string>

namespace jetml {

/// Sets the tool name the interrupt message starts with (run_tool does this).
void set_interrupt_tool_name(const char* name);

/// Installs the cleanup handler for SIGINT, SIGTERM and SIGHUP (run_tool does this).
void install_interrupt_cleanup();

/// Registers the temporary file `tmp` that will become the output `target` (the name shown in
/// the message). Returns a slot for unregister_temporary, or -1 if all slots are in use (the
/// file is then still removed by its owner on errors, just not on a signal).
int register_temporary(const std::string& tmp, const std::string& target);

/// Forgets a slot (the file was renamed onto its target or removed). -1 is ignored.
void unregister_temporary(int slot) noexcept;

/// Number of temporary files registered now (for tests).
int registered_temporaries() noexcept;

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread for its lifetime, so that a rename
/// and the unregistering of its temporary happen together; a signal that arrives meanwhile is
/// delivered when the guard ends.
class interrupt_guard {
public:
    interrupt_guard() noexcept;
    ~interrupt_guard();
    interrupt_guard(const interrupt_guard&) = delete;
    interrupt_guard& operator=(const interrupt_guard&) = delete;

private:
    sigset_t old_;
};

/// "SIGINT", "SIGTERM", "SIGHUP" or "signal N" (async-signal-safe for these three).
const char* signal_name(int signo) noexcept;

}  // namespace jetml
