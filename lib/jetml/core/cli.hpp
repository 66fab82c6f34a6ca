// SPDX-License-Identifier: MIT
// jetml/core/cli.hpp - the command-line contract every jetml tool shares.
//
// run_tool() owns what must be identical in all tools: the common options (--help,
// --version, -v, -q, --threads, --seed, --progress), exit codes (0 ok, 1 data error,
// 2 usage error), one-line messages "tool: [file: ]message" on stderr, a checked close
// of stdout, SIGPIPE left at its default so `tool | head` ends quietly, and SIGINT, SIGTERM and
// SIGHUP removing every temporary output before the tool dies by the signal (core/cleanup.hpp).
#pragma once
#include <CLI/CLI.hpp>
#include <cstdarg>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jetml/core/shard.hpp"

namespace jetml {

/// Static description of a tool for --help.
struct tool_info {
    const char* name;      ///< e.g. "jetgen"
    const char* summary;   ///< one line: what the tool does
    const char* examples;  ///< lines of shell examples shown after the options
};

/// What the body of a tool gets: the CLI11 app to add options to, and the common settings.
class tool {
public:
    tool(const tool_info& info, int argc, char** argv);
    CLI::App app;
    int verbosity = 0;        ///< -1 with -q, 0 normal, >=1 with -v (repeatable)
    int threads = 0;          ///< --threads; 0 means all available cores
    std::uint64_t seed = 1;   ///< --seed
    bool progress = false;    ///< --progress forces the progress bar
    shard_spec shard;         ///< --shard (core/shard.hpp), for tools that call add_shard_option(); whole by default

    /// Adds --shard K/N|slurm (help: shard_help(rows)); parse() resolves it into `shard`.
    CLI::Option* add_shard_option(const std::string& rows);

    /// Parses the command line; on success applies --threads. Usage errors propagate as
    /// CLI::ParseError or jetml::usage_error and become exit status 2.
    void parse();
    const char* name() const { return info_.name; }
    /// Verbose message (with -v): "tool: ..." on stderr.
    void info(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
    /// Normal message, hidden by -q.
    void note(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
    /// "tool: warning: ..." hidden by -q.
    void warn(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
    /// Whether a progress bar should be drawn (stderr is a terminal, or --progress; never with -q).
    bool show_progress() const;

private:
    void vmsg(const char* prefix, const char* fmt, va_list ap) const;
    tool_info info_;
    std::string shard_text_;
    int argc_;
    char** argv_;
};

/// An old spelling of a long option, still accepted (hidden from --help) in place of the new one.
struct option_alias {
    const char* old_name;  ///< e.g. "--ptmin"
    const char* new_name;  ///< e.g. "--pt-min"
};

/// Every renamed option of every tool: the one table of the spelling rule's hidden aliases
/// (lowercase words joined by hyphens, British spelling; see README "Conventions").
const std::vector<option_alias>& option_aliases();

/// The command-line arguments (without the program name) with every old spelling in `aliases`
/// replaced by its new one, as "--old" or "--old=value", wherever app has an option named
/// new_name. The value of an option that takes one is never rewritten, nor anything after "--".
std::vector<std::string> rewrite_aliases(const CLI::App& app, const std::vector<std::string>& args,
                                         const std::vector<option_alias>& aliases = option_aliases());

/// Runs a tool body with the shared contract and returns the exit status for main().
int run_tool(const tool_info& info, int argc, char** argv, const std::function<void(tool&)>& body);

/// CLI11 validator for input paths that accepts "-" (stdin) or an existing readable file.
extern const CLI::Validator readable_or_dash;

/// CLI11 validator: a whole number from lo to hi. Refuses "-5" for an unsigned option (which
/// CLI11 would wrap to 1.8e19) and words the range plainly: "--batch: 0 is out of range;
/// expected a whole number from 1 to 1048576".
CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi);

/// CLI11 validator: a finite number > 0 ("--lr: -1 is not allowed; expected a number > 0").
extern const CLI::Validator positive_number;

/// The largest --threads value every tool accepts.
constexpr int max_threads_option = 1024;

/// Throws a usage_error unless v > 0.
void require_positive(double v, const char* option);

}  // namespace jetml
