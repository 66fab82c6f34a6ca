// SPDX-License-Identifier: MIT
// jetml/core/cleanup.cpp - the registry of temporary outputs and the signal handler that
// removes them. Everything the handler touches is a fixed array formatted before the signal.
#include "jetml/core/cleanup.hpp"

#include <atomic>
#include <climits>
#include <cstring>
#include <pthread.h>
#include <unistd.h>

namespace jetml {
namespace {

constexpr int max_slots = 64;
constexpr std::size_t max_shown = 256;  // bytes of a target's name in the message

enum : int { slot_free = 0, slot_filling = 1, slot_active = 2 };

struct slot {
    std::atomic<int> state{slot_free};
    char tmp[PATH_MAX];
    char shown[max_shown];
};

slot g_slots[max_slots];
char g_tool[64] = "jetml";
std::atomic<int> g_in_handler{0};
constexpr int handled[] = {SIGINT, SIGTERM, SIGHUP};

// bounded copy that always terminates dst (strncpy pads; this does not)
void copy(char* dst, std::size_t cap, const char* src) {
    std::size_t n = 0;
    while (src[n] && n + 1 < cap) dst[n] = src[n], ++n;
    dst[n] = '\0';
}

// appends src to the message buffer, keeping room for "...\n"
void append(char* buf, std::size_t& len, std::size_t cap, const char* src) {
    for (std::size_t i = 0; src[i]; ++i) {
        if (len + 5 >= cap) {
            if (len + 4 < cap) std::memcpy(buf + len, "...", 3), len += 3;
            return;
        }
        buf[len++] = src[i];
    }
}

extern "C" void on_interrupt(int signo) {
    if (g_in_handler.exchange(1) == 0) {
        char msg[2048];
        std::size_t len = 0;
        append(msg, len, sizeof msg, g_tool);
        append(msg, len, sizeof msg, ": interrupted by ");
        append(msg, len, sizeof msg, signal_name(signo));
        bool removed[max_slots] = {};
        int n = 0;
        for (int i = 0; i < max_slots; ++i)  // renamed meanwhile, or already gone: not counted
            if (g_slots[i].state.load() == slot_active && ::unlink(g_slots[i].tmp) == 0) removed[i] = true, ++n;
        for (int i = 0, k = 0; i < max_slots; ++i) {
            if (!removed[i]) continue;
            append(msg, len, sizeof msg, k++ > 0 ? ", " : n > 1 ? "; removed partial outputs " : "; removed partial output ");
            append(msg, len, sizeof msg, g_slots[i].shown);
        }
        msg[len++] = '\n';
        for (std::size_t off = 0; off < len;) {
            const ssize_t put = ::write(2, msg + off, len - off);
            if (put <= 0) break;
            off += static_cast<std::size_t>(put);
        }
    }
    // end the process by the signal itself: the default action, delivered when this returns
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(signo, &dfl, nullptr);
    ::raise(signo);
}

}  // namespace

const char* signal_name(int signo) noexcept {
    switch (signo) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        case SIGHUP: return "SIGHUP";
        default: return "a signal";
    }
}

void set_interrupt_tool_name(const char* name) { copy(g_tool, sizeof g_tool, name ? name : "jetml"); }

void install_interrupt_cleanup() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (int s : handled) sigaddset(&sa.sa_mask, s);  // one handler at a time
    sa.sa_flags = SA_RESTART;
    for (int s : handled) {
        struct sigaction old {};
        // a signal the parent set to be ignored (nohup, a background job's SIGINT) stays ignored
        if (::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        ::sigaction(s, &sa, nullptr);
    }
}

int register_temporary(const std::string& tmp, const std::string& target) {
    if (tmp.size() + 1 > PATH_MAX) return -1;
    for (int i = 0; i < max_slots; ++i) {
        int expect = slot_free;
        if (!g_slots[i].state.compare_exchange_strong(expect, slot_filling)) continue;
        copy(g_slots[i].tmp, sizeof g_slots[i].tmp, tmp.c_str());
        copy(g_slots[i].shown, sizeof g_slots[i].shown, target.c_str());
        g_slots[i].state.store(slot_active);
        return i;
    }
    return -1;
}

void unregister_temporary(int slot) noexcept {
    if (slot >= 0 && slot < max_slots) g_slots[slot].state.store(slot_free);
}

int registered_temporaries() noexcept {
    int n = 0;
    for (auto& s : g_slots) n += s.state.load() == slot_active;
    return n;
}

interrupt_guard::interrupt_guard() noexcept {
    sigset_t block;
    sigemptyset(&block);
    for (int s : handled) sigaddset(&block, s);
    ::pthread_sigmask(SIG_BLOCK, &block, &old_);
}

interrupt_guard::~interrupt_guard() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

}  // namespace jetml
