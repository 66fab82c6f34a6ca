// SPDX-License-Identifier: MIT
// Unit tests of jetml/io: buffered input, atomic outputs.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"

#include "support.hpp"

using namespace jetml;

TEST_CASE("io: an uncommitted output leaves neither the target nor a temporary file") {
    std::string p = support::tmp_path("io", "never");
    std::remove(p.c_str());
    {
        output out(p, true);
        out.write("partial");
    }
    CHECK(::access(p.c_str(), F_OK) != 0);
}

TEST_CASE("io: an uncommitted output keeps the previous file intact; commit replaces it") {
    std::string p = support::tmp_path("io", "keep");
    std::ofstream(p) << "old";
    {
        output out(p, false);
        out.write("new contents");
    }
    CHECK(support::read_file(p) == "old");
    {
        output out(p, false);
        out.write("new contents");
        out.commit();
    }
    CHECK(support::read_file(p) == "new contents");
    std::remove(p.c_str());
}

TEST_CASE("io: large writes and reads pass through exactly, line reading spans buffers") {
    std::string p = support::tmp_path("io", "big");
    std::string data;
    for (int i = 0; i < 200000; ++i) data += std::to_string(i) + "\n";
    {
        output out(p, false);
        out.write(data.substr(0, 10));
        out.write(data.substr(10));
        out.commit();
    }
    CHECK(support::read_file(p) == data);
    input in(p);
    CHECK(in.peek(3) == "0\n1");
    std::string line;
    int n = 0;
    bool ok = true;
    while (in.getline(line)) ok &= line == std::to_string(n++);
    CHECK(ok);
    CHECK(n == 200000);
    CHECK(in.line_number() == 200000);
    input in2(p);
    std::string all(data.size(), '\0');
    CHECK(in2.read(all.data(), all.size()) == data.size());
    CHECK(all == data);
    CHECK(in2.at_end());
    std::remove(p.c_str());
}

TEST_CASE("io: read_exact reports truncation; missing files and directories are clear errors") {
    std::string p = support::tmp_path("io", "short");
    std::ofstream(p) << "abc";
    input in(p);
    char buf[8];
    CHECK_THROWS_WITH_AS(in.read_exact(buf, 8, "record"), doctest::Contains("truncated record: expected 8 bytes, got 3"),
                         error);
    CHECK_THROWS_WITH_AS(input("/nonexistent/x.npy"), "/nonexistent/x.npy: cannot open: No such file or directory",
                         error);
    CHECK_THROWS_WITH_AS(input("/tmp"), "/tmp: is a directory, expected a file", error);
    CHECK_THROWS_AS(output("/nonexistent-dir/x.npy", true), error);
    std::remove(p.c_str());
}

TEST_CASE("io: the new file gets ordinary permissions, not mkstemp's 0600") {
    std::string p = support::tmp_path("io", "perm");
    std::remove(p.c_str());
    mode_t mask = ::umask(022);
    {
        output out(p, false);
        out.write("x");
        out.commit();
    }
    ::umask(mask);
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    std::remove(p.c_str());
}

TEST_CASE("io: writing to a device such as /dev/null works in place") {
    output out("/dev/null", true);
    out.write("abc");
    CHECK_NOTHROW(out.commit());
}

TEST_CASE("io: extension") {
    CHECK(extension("a/b.CSV") == "csv");
    CHECK(extension("a.b/c") == "");
    CHECK(extension("x.npy") == "npy");
}

TEST_CASE("io: an output_group renames its outputs together, or none of them when one fails") {
    const std::string a = support::tmp_path("io", "group_a"), b = support::tmp_path("io", "group_b");
    std::remove(a.c_str());
    std::remove(b.c_str());
    SUBCASE("all members finished: commit renames all of them") {
        output oa(a, false), ob(b, false);
        output_group g;
        g.add(oa);
        g.add(ob);
        oa.write("A");
        oa.commit();
        CHECK(::access(a.c_str(), F_OK) != 0);  // closed, not yet renamed
        ob.write("B");
        ob.commit();
        g.commit();
        CHECK(support::read_file(a) == "A");
        CHECK(support::read_file(b) == "B");
    }
    SUBCASE("the second member fails: the first one's target is not created either") {
        {
            output oa(a, false), full("/dev/full", false);
            output_group g;
            g.add(oa);
            g.add(full);
            oa.write("A");
            oa.commit();
            full.write("B");
            CHECK_THROWS_WITH_AS(full.commit(), "/dev/full: write failed: No space left on device", error);
        }
        CHECK(::access(a.c_str(), F_OK) != 0);
        CHECK(std::system(("ls " + a + ".tmp-* >/dev/null 2>&1").c_str()) != 0);
    }
    SUBCASE("commit before every member was finished is an internal error") {
        output oa(a, false);
        output_group g;
        g.add(oa);
        CHECK_THROWS_AS(g.commit(), error);
    }
    std::remove(a.c_str());
    std::remove(b.c_str());
}

TEST_CASE("io: bytes_left is the file size less what was consumed; -1 on a pipe") {
    const std::string p = support::write_tmp("io", "left.bin", std::string(1000, 'x'));
    input in(p);
    CHECK(in.bytes_left() == 1000);
    char buf[10];
    in.read(buf, 10);
    CHECK(in.bytes_left() == 990);  // read-ahead in the buffer still counts as left
    in.peek(100);
    CHECK(in.bytes_left() == 990);
    input piped(support::pipe_path("abc"));
    CHECK(piped.bytes_left() == -1);
    std::remove(p.c_str());
}

TEST_CASE("io: zip archives, gzip data, NUL bytes and NPY in a .csv file are named, not read as text") {
    struct row {
        const char* tag;
        std::string bytes;
        const char* message;
    };
    const std::vector<row> rows = {
        {"model.npz", std::string("PK\x03\x04\x14\0\0\0", 8) + "meta.json", "this is a zip archive (an .npz model file?), expected NPY or CSV"},
        {"empty.zip", std::string("PK\x05\x06", 4) + std::string(18, '\0'), "this is a zip archive (an .npz model file?), expected NPY or CSV"},
        {"x.gz", std::string("\x1f\x8b\x08\0", 4), "this is gzip-compressed data, expected NPY or CSV (decompress it first)"},
        {"nul.txt", std::string("score,label\n0.5,1\n\0\0", 20), "binary data (a NUL byte at offset 18), expected NPY or CSV"},
        {"array.csv", std::string("\x93NUMPY\x01\0", 8), "this is an NPY file although its name ends in .csv; expected CSV text in a .csv file (rename it to .npy)"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.tag);
        const std::string p = support::tmp_path("io", r.tag);
        support::write_file(p, r.bytes);
        input in(p);
        CHECK_THROWS_WITH_AS(is_npy(in), (p + ": " + r.message).c_str(), error);
        std::remove(p.c_str());
    }
    // NPY under another name and plain text pass
    const std::string a = support::write_tmp("io", "a.npy", std::string("\x93NUMPY\x01\0", 8));
    input ina(a);
    CHECK(is_npy(ina));
    const std::string b = support::write_tmp("io", "b.csv", "score\n0.5\n");
    input inb(b);
    CHECK_FALSE(is_npy(inb));
    std::remove(a.c_str());
    std::remove(b.c_str());
}
