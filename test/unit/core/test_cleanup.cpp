// SPDX-License-Identifier: MIT
// Unit tests of jetml/core/cleanup: the registry of temporary outputs and the signal handler
// that removes them (run in a forked child, which dies by the signal).
#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "jetml/core/cleanup.hpp"
#include "jetml/io/io.hpp"

#include "support.hpp"

using namespace jetml;

namespace {
bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

// Forks a child that runs body() and then raises signo; returns the child's wait status and
// what it wrote to stderr (a pipe).
int run_child(int signo, const std::function<void()>& body, std::string& err, bool ignored = false) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], 2);
        ::close(fds[0]);
        if (ignored) std::signal(signo, SIG_IGN);  // as nohup or a background job's SIGINT
        set_interrupt_tool_name("probe");
        install_interrupt_cleanup();
        body();
        ::raise(signo);
        ::_exit(0);  // only if the signal did not end the process
    }
    ::close(fds[1]);
    char buf[512];
    ssize_t got;
    while ((got = ::read(fds[0], buf, sizeof buf)) > 0) err.append(buf, std::size_t(got));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}
}  // namespace

TEST_CASE("cleanup: an output registers its temporary file while it exists and unregisters it on commit") {
    const int before = registered_temporaries();
    const std::string p = support::tmp_path("cleanup", "reg");
    {
        output out(p, false);
        CHECK(registered_temporaries() == before + 1);
        out.write("x");
        out.commit();
        CHECK(registered_temporaries() == before);
    }
    {
        output out(p, false);
        CHECK(registered_temporaries() == before + 1);
    }
    CHECK(registered_temporaries() == before);  // destroyed uncommitted
    std::remove(p.c_str());
    output dev("/dev/null", false);  // written in place: nothing to remove
    CHECK(registered_temporaries() == before);
}

TEST_CASE("cleanup: SIGTERM, SIGINT and SIGHUP remove every registered temporary, say so in one line, and end the process by the signal") {
    for (int signo : {SIGTERM, SIGINT, SIGHUP}) {
        CAPTURE(signo);
        const std::string a = support::tmp_path("cleanup", "a.npy"), b = support::tmp_path("cleanup", "b.csv");
        std::string err;
        const int status = run_child(signo, [&] {
            static output* oa = new output(a, true);  // never destroyed: only the handler removes them
            static output* ob = new output(b, false);
            oa->write("partial");
            ob->write("partial");
        }, err);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == signo);
        CHECK(err == "probe: interrupted by " + std::string(signal_name(signo)) + "; removed partial outputs " + a + ", " + b + "\n");
        CHECK_FALSE(exists(a));
        CHECK_FALSE(exists(b));
        // no a.npy.tmp-* or b.csv.tmp-* is left in /tmp
        const std::string cmd = "ls " + a + ".tmp-* " + b + ".tmp-* >/dev/null 2>&1";
        CHECK(std::system(cmd.c_str()) != 0);
    }
}

TEST_CASE("cleanup: a committed output is kept, and the message says when nothing was removed") {
    const std::string a = support::tmp_path("cleanup", "done.csv");
    std::string err;
    const int status = run_child(SIGTERM, [&] {
        output out(a, false);
        out.write("complete\n");
        out.commit();
    }, err);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(err == "probe: interrupted by SIGTERM\n");
    CHECK(support::read_file(a) == "complete\n");
    std::remove(a.c_str());
}

TEST_CASE("cleanup: a signal the parent ignored stays ignored") {
    std::string err;
    const int status = run_child(SIGHUP, [] {}, err, true);
    CHECK(WIFEXITED(status));  // raise(SIGHUP) was ignored; the child reached _exit(0)
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(err.empty());
}
