// SPDX-License-Identifier: MIT
// jetml/core/cli.cpp
#include "jetml/core/cli.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <unistd.h>

#include "jetml/core/cleanup.hpp"
#include "jetml/core/error.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/version.hpp"

namespace jetml {

namespace {
const char* exit_status_text =
    "Exit status: 0 success, 1 data or runtime error, 2 usage error; 128+N when ended by signal N\n"
    "(SIGINT, SIGTERM, SIGHUP: temporary and partial outputs are removed first).\n"
    "Full documentation: man %s";
}

const CLI::Validator readable_or_dash(
    [](std::string& s) -> std::string {
        if (s == "-") return {};
        if (::access(s.c_str(), R_OK) != 0) return "cannot read '" + s + "': " + std::strerror(errno);
        return {};
    },
    "FILE|-", "readable file or -");

namespace {
// The whole number in s, if s is one (optional sign, digits only, no overflow).
bool parse_whole(const std::string& s, bool& negative, std::uint64_t& v) {
    std::size_t i = 0;
    negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
    if (i == s.size()) return false;
    v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        const std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    return true;
}
}  // namespace

CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
    const std::string range = hi == UINT64_MAX ? "a whole number >= " + std::to_string(lo)
                                               : "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    return CLI::Validator(
        [lo, hi, range](std::string& s) -> std::string {
            bool neg = false;
            std::uint64_t v = 0;
            if (!parse_whole(s, neg, v)) return "'" + s + "' is not " + range;
            if ((neg && v != 0) || v < lo || v > hi) return s + " is out of range; expected " + range;
            return {};
        },
        "", "whole number");
}

const CLI::Validator positive_number(
    [](std::string& s) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !std::isfinite(v)) return "'" + s + "' is not a number";
        if (!(v > 0)) return s + " is not allowed; expected a number > 0";
        return {};
    },
    "", "positive number");

tool::tool(const tool_info& info, int argc, char** argv)
    : app(info.summary, info.name), info_(info), argc_(argc), argv_(argv) {
    app.set_version_flag("--version", std::string(info.name) + " (jetml) " + JETML_VERSION);
    app.add_flag_function("-v,--verbose", [this](std::int64_t n) { verbosity = static_cast<int>(n); },
                          "more messages on stderr (repeat for more)");
    app.add_flag_function("-q,--quiet", [this](std::int64_t) { verbosity = -1; },
                          "no messages on stderr except errors");
    app.add_option("--threads", threads, "worker threads (0 = all cores, at most 1024)")
        ->check(whole_number(0, max_threads_option));
    app.add_option("--seed", seed, "random seed")
        ->capture_default_str();
    app.add_flag("--progress", progress, "show a progress bar even when stderr is not a terminal");
    char footer[512];
    std::snprintf(footer, sizeof footer, exit_status_text, info.name);
    std::string examples = info.examples ? info.examples : "";
    app.footer((examples.empty() ? "" : "Examples:\n" + examples + "\n") + footer);
    app.get_formatter()->column_width(32);
}

const std::vector<option_alias>& option_aliases() {
    static const std::vector<option_alias> table = {
        // subjet
        {"--R", "--radius"},
        {"--p", "--genkt-p"},
        {"--ptmin", "--pt-min"},
        {"--rapmax", "--rap-max"},
        {"--tau-R0", "--tau-r0"},
        {"--tau-unnormalized", "--tau-unnormalised"},
        {"--sd-R0", "--sd-r0"},
        {"--trim-R", "--trim-r"},
        {"--filter-R", "--filter-r"},
        // train (fit options)
        {"--standardize", "--standardise"},
        {"--optimizer", "--optimiser"},
        // jetimg
        {"--coord", "--coordinate"},
    };
    return table;
}

namespace {
/// Whether the token names an option of app that takes a value in the next argument.
bool takes_value(const CLI::App& app, const std::string& token) {
    if (token.size() < 2 || token[0] != '-' || token.find('=') != std::string::npos) return false;
    if (token[1] != '-' && token.size() != 2) return false;  // -ofile: the value is attached
    const CLI::Option* o = app.get_option_no_throw(token);
    return o && o->get_items_expected_min() > 0;
}
}  // namespace

std::vector<std::string> rewrite_aliases(const CLI::App& app, const std::vector<std::string>& args,
                                         const std::vector<option_alias>& aliases) {
    std::vector<std::string> out;
    out.reserve(args.size());
    bool value_next = false, options_done = false;
    for (const std::string& a : args) {
        std::string r = a;
        if (value_next || options_done) {
            value_next = false;
        } else if (a == "--") {
            options_done = true;
        } else if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
            const std::size_t eq = a.find('=');
            const std::string name = a.substr(0, eq);
            for (const option_alias& al : aliases)
                if (name == al.old_name && app.get_option_no_throw(al.new_name)) {
                    r = al.new_name + (eq == std::string::npos ? std::string() : a.substr(eq));
                    break;
                }
            value_next = takes_value(app, r);
        } else {
            value_next = takes_value(app, a);
        }
        out.push_back(std::move(r));
    }
    return out;
}

void tool::parse() {
    std::vector<std::string> args(argv_ + (argc_ > 0 ? 1 : 0), argv_ + argc_);
    args = rewrite_aliases(app, args);
    std::vector<char*> ptrs;
    ptrs.push_back(argc_ > 0 ? argv_[0] : nullptr);
    for (std::string& a : args) ptrs.push_back(a.data());
    // Every option takes the values of its own occurrence only: `--eff-s 0.3 s.npy` gives
    // --eff-s one value and s.npy to the inputs (repeat the option, or use commas, for more).
    // An unsigned option refuses a negative value instead of wrapping it to 1.8e19.
    for (CLI::Option* o : app.get_options()) {
        if (o->get_positional()) continue;
        o->allow_extra_args(false);
        if (o->get_type_name() == "UINT")
            o->check(whole_number(0, UINT64_MAX));
    }
    app.parse(static_cast<int>(args.size() + 1), ptrs.data());
    if (!shard_text_.empty()) shard = parse_shard(shard_text_);
    set_threads(threads);
}

CLI::Option* tool::add_shard_option(const std::string& rows) {
    return app.add_option("--shard", shard_text_, shard_help(rows));
}

void tool::vmsg(const char* prefix, const char* fmt, va_list ap) const {
    char buf[4096];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    std::fprintf(stderr, "%s: %s%s\n", info_.name, prefix, buf);
}
void tool::info(const char* fmt, ...) const {
    if (verbosity < 1) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}
void tool::note(const char* fmt, ...) const {
    if (verbosity < 0) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}
void tool::warn(const char* fmt, ...) const {
    if (verbosity < 0) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}
bool tool::show_progress() const { return verbosity >= 0 && (progress || ::isatty(2)); }

void require_positive(double v, const char* option) {
    if (!(v > 0)) throw usage_error(std::string(option) + " must be positive, got " + std::to_string(v));
}

namespace {
// One line: strip anything after the first newline (CLI11 messages may carry more).
std::string one_line(std::string s) {
    auto nl = s.find('\n');
    if (nl != std::string::npos) s.resize(nl);
    return s;
}
}  // namespace

int run_tool(const tool_info& info, int argc, char** argv, const std::function<void(tool&)>& body) {
    std::signal(SIGPIPE, SIG_DFL);
    set_interrupt_tool_name(info.name);
    install_interrupt_cleanup();  // SIGINT/SIGTERM/SIGHUP remove temporary outputs (core/cleanup)
    int status = exit_ok;
    try {
        tool t(info, argc, argv);
        try {
            body(t);
        } catch (const CLI::CallForHelp&) {
            std::cout << t.app.help();
        } catch (const CLI::CallForAllHelp&) {
            std::cout << t.app.help("", CLI::AppFormatMode::All);
        } catch (const CLI::CallForVersion&) {
            std::cout << t.app.version() << "\n";
        }
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", info.name, one_line(e.what()).c_str(), info.name);
        status = exit_usage;
    } catch (const usage_error& e) {
        std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", info.name, one_line(e.what()).c_str(), info.name);
        status = exit_usage;
    } catch (const error& e) {
        std::fprintf(stderr, "%s: %s\n", info.name, one_line(e.what()).c_str());
        status = exit_data;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: out of memory\n", info.name);
        status = exit_data;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", info.name, one_line(e.what()).c_str());
        status = exit_data;
    }
    // the samtools habit: a full disk or closed pipe on stdout must not pass silently
    std::cout.flush();
    if (std::fflush(stdout) != 0 || std::ferror(stdout) || (::close(1) != 0 && errno != EBADF)) {
        std::fprintf(stderr, "%s: closing standard output failed: %s\n", info.name, std::strerror(errno));
        if (status == exit_ok) status = exit_data;
    }
    return status;
}

}  // namespace jetml
