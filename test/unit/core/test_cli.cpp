// SPDX-License-Identifier: MIT
// Unit tests of jetml/cli: the shared exit-code and message contract, in process.
#include <doctest/doctest.h>
#include <algorithm>

#include <fcntl.h>
#include <fstream>
#include <unistd.h>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"

#include "support.hpp"

using namespace jetml;

namespace {
struct captured {
    int status;
    std::string out, err;
};
/// Runs a tool body with fds 1 and 2 redirected to files (run_tool closes stdout at the end).
captured run(std::vector<std::string> args, const std::function<void(tool&)>& body) {
    std::string o = "/tmp/jetml_cli_out_" + std::to_string(::getpid()), e = o + ".err";
    std::fflush(stdout);
    std::fflush(stderr);
    int save1 = ::dup(1), save2 = ::dup(2);
    int fo = ::open(o.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = ::open(e.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fo, 1);
    ::dup2(fe, 2);
    ::close(fo);
    ::close(fe);
    std::vector<char*> argv;
    args.insert(args.begin(), "demo");
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int status = run_tool({"demo", "demo tool", "  demo -x 1"}, static_cast<int>(args.size()), argv.data(), body);
    std::fflush(stderr);
    ::dup2(save1, 1);
    ::dup2(save2, 2);
    ::close(save1);
    ::close(save2);
    captured c{status, support::read_file(o), support::read_file(e)};
    std::remove(o.c_str());
    std::remove(e.c_str());
    return c;
}
void body_with_int(tool& t) {
    int x = 0;
    t.app.add_option("-x,--xval", x, "an integer");
    t.parse();
    if (x == 7) throw error("file.npy", "bad data");
    if (x == 8) throw usage_error("--xval 8 conflicts with itself");
    if (x == 9) throw std::runtime_error("something else\nsecond line");
    t.note("x=%d threads=%d seed=%llu", x, t.threads, static_cast<unsigned long long>(t.seed));
    t.info("verbose only");
}
}  // namespace

TEST_CASE("cli: --help and --version print to stdout and exit 0") {
    auto h = run({"--help"}, body_with_int);
    CHECK(h.status == 0);
    CHECK(h.out.find("--xval") != std::string::npos);
    CHECK(h.out.find("--threads") != std::string::npos);
    CHECK(h.out.find("Examples:") != std::string::npos);
    CHECK(h.out.find("Exit status: 0 success, 1 data or runtime error, 2 usage error") != std::string::npos);
    CHECK(h.err.empty());
    auto v = run({"--version"}, body_with_int);
    CHECK(v.status == 0);
    CHECK(v.out.find("(jetml)") != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2 with one message line and a hint (CLI11's 104/105/109 become 2)") {
    for (auto args : {std::vector<std::string>{"--bogus"}, std::vector<std::string>{"-x", "abc"},
                      std::vector<std::string>{"--threads", "-3"}, std::vector<std::string>{"-x", "8"}}) {
        auto c = run(args, body_with_int);
        CAPTURE(args[0]);
        CHECK(c.status == 2);
        CHECK(c.err.rfind("demo: ", 0) == 0);
        CHECK(c.err.find("\nTry 'demo --help'.\n") != std::string::npos);
        CHECK(std::count(c.err.begin(), c.err.end(), '\n') == 2);
        CHECK(c.out.empty());
    }
}

TEST_CASE("cli: data errors exit 1 with exactly one line 'tool: file: message'") {
    auto c = run({"-x", "7"}, body_with_int);
    CHECK(c.status == 1);
    CHECK(c.err == "demo: file.npy: bad data\n");
    auto d = run({"-x", "9"}, body_with_int);
    CHECK(d.status == 1);
    CHECK(d.err == "demo: something else\n");
}

TEST_CASE("cli: common options are parsed; -q silences notes, -v shows info") {
    auto c = run({"-x", "3", "--threads", "1", "--seed", "42"}, body_with_int);
    CHECK(c.status == 0);
    CHECK(c.err == "demo: x=3 threads=1 seed=42\n");
    CHECK(run({"-x", "3", "-q"}, body_with_int).err.empty());
    CHECK(run({"-x", "3", "-v"}, body_with_int).err.find("demo: verbose only") != std::string::npos);
}

TEST_CASE("cli: old option spellings are rewritten to the new names before parsing") {
    CLI::App app("t", "t");
    double pt_min = 0;
    std::string title, input;
    bool flag = false;
    app.add_option("--pt-min", pt_min);
    app.add_option("-t,--title", title);
    app.add_flag("--tau-unnormalised", flag);
    app.add_option("input", input);
    const std::vector<option_alias> aliases = {{"--ptmin", "--pt-min"},
                                               {"--tau-unnormalized", "--tau-unnormalised"},
                                               {"--optimizer", "--optimiser"}};
    using args = std::vector<std::string>;
    SUBCASE("--old value and --old=value") {
        CHECK(rewrite_aliases(app, {"--ptmin", "5", "x"}, aliases) == args{"--pt-min", "5", "x"});
        CHECK(rewrite_aliases(app, {"--ptmin=5"}, aliases) == args{"--pt-min=5"});
        CHECK(rewrite_aliases(app, {"--tau-unnormalized", "--ptmin", "1"}, aliases) ==
              args{"--tau-unnormalised", "--pt-min", "1"});
    }
    SUBCASE("an option's value that equals an old spelling is left alone") {
        CHECK(rewrite_aliases(app, {"--title", "--ptmin"}, aliases) == args{"--title", "--ptmin"});
        CHECK(rewrite_aliases(app, {"-t", "--ptmin", "--ptmin", "2"}, aliases) ==
              args{"-t", "--ptmin", "--pt-min", "2"});
        CHECK(rewrite_aliases(app, {"--ptmin", "--ptmin"}, aliases) == args{"--pt-min", "--ptmin"});
    }
    SUBCASE("-- ends option processing") {
        CHECK(rewrite_aliases(app, {"--", "--ptmin"}, aliases) == args{"--", "--ptmin"});
        CHECK(rewrite_aliases(app, {"--ptmin", "1", "--", "--ptmin=3"}, aliases) ==
              args{"--pt-min", "1", "--", "--ptmin=3"});
    }
    SUBCASE("only where the app has the new option; prefixes and other words untouched") {
        CHECK(rewrite_aliases(app, {"--optimizer", "adam"}, aliases) == args{"--optimizer", "adam"});
        CHECK(rewrite_aliases(app, {"--ptminx", "--pt", "ptmin", "-ptmin"}, aliases) ==
              args{"--ptminx", "--pt", "ptmin", "-ptmin"});
    }
    SUBCASE("the real table: new names follow the rule, and parsing gives the new option") {
        for (const option_alias& a : option_aliases()) {
            CAPTURE(a.old_name);
            const std::string n = a.new_name;
            CHECK(n.rfind("--", 0) == 0);
            CHECK(std::none_of(n.begin(), n.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
            CHECK(n != a.old_name);
        }
        auto r = rewrite_aliases(app, {"--ptmin=7.5", "in.csv"});
        std::vector<std::string> rev(r.rbegin(), r.rend());
        app.parse(rev);
        CHECK(pt_min == 7.5);
        CHECK(input == "in.csv");
    }
}

TEST_CASE("cli: a tool accepts an old spelling and does not list it in --help") {
    auto body = [](tool& t) {
        double v = 0;
        t.app.add_option("--pt-min", v, "minimum pT");
        t.parse();
        std::printf("%g\n", v);
    };
    auto a = run({"--ptmin", "3"}, body);
    CHECK(a.status == 0);
    CHECK(a.out == "3\n");
    auto b = run({"--ptmin=4"}, body);
    CHECK(b.out == "4\n");
    auto h = run({"--help"}, body);
    CHECK(h.out.find("--pt-min") != std::string::npos);
    CHECK(h.out.find("--ptmin") == std::string::npos);
}
