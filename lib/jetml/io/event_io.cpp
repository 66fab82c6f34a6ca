// SPDX-License-Identifier: MIT
// jetml/io/event_io.cpp - streaming event readers (HepMC3 ASCII, FastJet text, CSV long, NPY).
#include "jetml/io/event_io.hpp"

#include <cctype>
#include <cmath>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include "jetml/io/csv.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

namespace jetml {

namespace {

bool is_neutrino(long pid) {
    const long a = pid < 0 ? -pid : pid;
    return a == 12 || a == 14 || a == 16 || a == 18;
}

// Splits on blanks (spaces, tabs).
void split_ws(const std::string& s, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t i = 0, n = s.size();
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i == n) break;
        std::size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t') ++j;
        out.emplace_back(s.data() + i, j - i);
        i = j;
    }
}

bool parse_long(std::string_view s, long& v) {
    double d;
    if (!parse_double(s, d) || !(std::abs(d) < 9e15) || d != std::floor(d)) return false;
    v = long(d);
    return true;
}

std::string at_line(const input& in, std::size_t line) { return in.name() + ": line " + std::to_string(line) + ": "; }

fourvec checked(const input& in, std::size_t line, double px, double py, double pz, double E) {
    const std::string why = check_particle(px, py, pz, E);
    if (!why.empty()) throw error(at_line(in, line) + why);
    return fourvec(px, py, pz, E);
}

//---------------------------------------------------------------------------------------------
class npy_events : public event_reader {
public:
    npy_events(input& in, const shard_spec& shard) : in_(in), reader_(in) {
        const auto& shape = reader_.header().shape;
        if (shape.size() != 3 || shape[2] != 4)
            throw error(in.name(), "expected constituents of shape (N, M, 4), got " + format_shape(shape));
        m_ = shape[1];
        // one row is held in memory; a forged header must not make it a multi-GB allocation
        constexpr std::size_t max_m = std::size_t(1) << 20;
        if (m_ > max_m)
            throw error(in.name(), "NPY constituents of shape " + format_shape(shape) + " have more than " +
                                       std::to_string(max_m) + " constituents per jet; expected (N, M, 4) with M <= " +
                                       std::to_string(max_m));
        row_.resize(m_ * 4);
        const row_range r = shard_rows(shard, shape[0]);
        reader_.select_rows(r.begin, r.end);
        row_index_ = r.begin;
    }
    bool next(event& ev) override {
        if (reader_.rows_left() == 0) return false;
        reader_.read_rows(row_.data(), 1);
        ev.index = row_index_++;
        ev.line = 0;
        ev.dropped_neutrinos = 0;
        ev.particles.clear();
        for (std::size_t c = 0; c < m_; ++c) {
            const double* r = row_.data() + 4 * c;
            const std::string why = constituent_row_problem(r);  // the rule jetimg applies too
            if (!why.empty())
                throw error(in_.name(), "jet " + std::to_string(ev.index) + ", constituent " + std::to_string(c) + ": " + why);
            if (!(r[0] > 0)) continue;  // padding (pT = 0)
            if (r[3] < 0)
                throw error(in_.name(), "jet " + std::to_string(ev.index) + ", constituent " + std::to_string(c) +
                                            ": negative mass " + format_double(r[3]));
            fourvec p = particle_from_pt_eta_phi_m(r[0], r[1], r[2], r[3]);
            p.set_user_index(int(ev.particles.size()));
            ev.particles.push_back(p);
        }
        return true;
    }
    std::string description() const override {
        return "NPY (N, M, 4) = (" + std::to_string(reader_.header().shape[0]) + ", " + std::to_string(m_) +
               ", 4) constituents (pT, eta, phi, m), " + dtype_name(reader_.header().type) + ", pT = 0 = padding";
    }

private:
    input& in_;
    npy_reader reader_;
    std::size_t m_ = 0, row_index_ = 0;
    std::vector<double> row_;
};

//---------------------------------------------------------------------------------------------
class fastjet_events : public event_reader {
public:
    fastjet_events(input& in, const event_reader_options& opt) : in_(in), opt_(opt) {}
    bool next(event& ev) override {
        ev.particles.clear();
        ev.dropped_neutrinos = 0;
        ev.line = 0;
        bool any = false;  // saw a particle line or an "#END" for this event
        while (in_.getline(line_)) {
            const std::size_t ln = in_.line_number();
            std::size_t b = line_.find_first_not_of(" \t");
            if (b == std::string::npos) continue;
            if (line_[b] == '#') {
                if (line_.compare(b, 4, "#END") == 0) {
                    if (ev.line == 0) ev.line = ln;
                    any = true;
                    break;
                }
                continue;  // comments, "#SUBSTART" (pile-up sub-events belong to the same event)
            }
            if (ev.line == 0) ev.line = ln;
            any = true;
            split_ws(line_, fields_);
            if (fields_.size() < 4)
                throw error(at_line(in_, ln) + "expected 'px py pz E' (4 numbers), got " + std::to_string(fields_.size()) +
                            " field" + (fields_.size() == 1 ? "" : "s"));
            double v[4];
            for (int q = 0; q < 4; ++q)
                if (!parse_double(fields_[std::size_t(q)], v[q]))
                    throw error(at_line(in_, ln) + "field " + std::to_string(q + 1) + ": '" +
                                printable(fields_[std::size_t(q)]) + "' is not a number");
            if (opt_.drop_neutrinos && fields_.size() >= 5) {
                long pid;
                if (!parse_long(fields_[4], pid))
                    throw error(at_line(in_, ln) + "field 5 (pdg id): '" + printable(fields_[4]) + "' is not an integer");
                if (is_neutrino(pid)) {
                    ++ev.dropped_neutrinos;
                    continue;
                }
            } else if (opt_.drop_neutrinos) {
                throw error(at_line(in_, ln) + "neutrinos cannot be dropped: no pdg id in field 5 (expected 'px py pz E pdgid')");
            }
            fourvec p = checked(in_, ln, v[0], v[1], v[2], v[3]);
            p.set_user_index(int(ev.particles.size()));
            ev.particles.push_back(p);
        }
        if (!any) return false;
        ev.index = count_++;
        return true;
    }
    std::string description() const override {
        return std::string("FastJet text (px py pz E [pdgid] per line, '#END' ends an event)") +
               (opt_.drop_neutrinos ? ", neutrinos dropped" : "");
    }

private:
    input& in_;
    event_reader_options opt_;
    std::string line_;
    std::vector<std::string_view> fields_;
    std::size_t count_ = 0;
};

//---------------------------------------------------------------------------------------------
class hepmc3_events : public event_reader {
public:
    hepmc3_events(input& in, const event_reader_options& opt) : in_(in), opt_(opt) {}
    bool next(event& ev) override {
        ev.particles.clear();
        ev.dropped_neutrinos = 0;
        bool in_event = pending_;
        if (pending_) ev.line = pending_line_;
        pending_ = false;
        while (in_.getline(line_)) {
            const std::size_t ln = in_.line_number();
            if (line_.empty()) continue;
            const char tag = line_[0];
            if (line_.compare(0, 7, "HepMC::") == 0) {
                if (line_.find("IO_GenEvent") != std::string::npos)
                    throw error(at_line(in_, ln) + "HepMC2 IO_GenEvent is not supported; expected HepMC3 ASCII (Asciiv3)");
                if (line_.find("END_EVENT_LISTING") != std::string::npos && in_event) break;
                continue;
            }
            if (tag == 'E' && line_.size() > 1 && line_[1] == ' ') {
                if (in_event) {  // the next event starts: keep it for the next call
                    pending_ = true;
                    pending_line_ = ln;
                    break;
                }
                in_event = true;
                ev.line = ln;
                continue;
            }
            if (tag == 'U' && line_.size() > 1 && line_[1] == ' ') {
                split_ws(line_, fields_);
                if (fields_.size() < 2) throw error(at_line(in_, ln) + "malformed units line");
                if (fields_[1] == "GEV") scale_ = 1.0;
                else if (fields_[1] == "MEV") scale_ = 1e-3;
                else throw error(at_line(in_, ln) + "unknown momentum unit '" + printable(fields_[1]) + "'");
                continue;
            }
            if (tag == 'P' && line_.size() > 1 && line_[1] == ' ') {
                if (!in_event) throw error(at_line(in_, ln) + "particle line before any event ('E') line");
                split_ws(line_, fields_);
                // P id parent pdgid px py pz e m status
                if (fields_.size() < 10)
                    throw error(at_line(in_, ln) + "expected 'P id parent pdgid px py pz e m status', got " +
                                std::to_string(fields_.size()) + " fields");
                long status, pid;
                if (!parse_long(fields_[9], status))
                    throw error(at_line(in_, ln) + "status '" + printable(fields_[9]) + "' is not an integer");
                if (!parse_long(fields_[3], pid))
                    throw error(at_line(in_, ln) + "pdg id '" + printable(fields_[3]) + "' is not an integer");
                double v[4];
                static const char* names[] = {"px", "py", "pz", "e"};
                for (int q = 0; q < 4; ++q)
                    if (!parse_double(fields_[std::size_t(4 + q)], v[q]))
                        throw error(at_line(in_, ln) + names[q] + " '" + printable(fields_[std::size_t(4 + q)]) +
                                    "' is not a number");
                if (status != 1) continue;
                if (opt_.drop_neutrinos && is_neutrino(pid)) {
                    ++ev.dropped_neutrinos;
                    continue;
                }
                fourvec p = checked(in_, ln, v[0] * scale_, v[1] * scale_, v[2] * scale_, v[3] * scale_);
                p.set_user_index(int(ev.particles.size()));
                ev.particles.push_back(p);
                continue;
            }
            // V, W, A, T, N lines and anything else: not needed for final-state momenta
        }
        if (!in_event) return false;
        ev.index = count_++;
        return true;
    }
    std::string description() const override {
        return std::string("HepMC3 ASCII, status-1 particles") + (opt_.drop_neutrinos ? ", neutrinos dropped" : "");
    }

private:
    input& in_;
    event_reader_options opt_;
    std::string line_;
    std::vector<std::string_view> fields_;
    double scale_ = 1.0;
    bool pending_ = false;
    std::size_t pending_line_ = 0, count_ = 0;
};

}  // namespace

//---------------------------------------------------------------------------------------------
std::string constituent_columns::description() const {
    return cartesian ? "px, py, pz, E" : rapidity ? "pt, y, phi, m" : "pt, eta, phi, m";
}

constituent_columns find_constituent_columns(csv_reader& r, const std::string& source) {
    constituent_columns k;
    k.event = r.find("event") ? r.column("event") : r.column("jet");
    if (auto px = r.find("px")) {
        k.cartesian = true;
        k.c[0] = *px;
        k.c[1] = r.column("py");
        k.c[2] = r.column("pz");
        auto e = r.find("E");
        k.last = e ? *e : r.column("e");
    } else if (auto pt = r.find("pt")) {
        k.c[0] = *pt;
        if (auto eta = r.find("eta")) {
            k.c[1] = *eta;
        } else {
            auto rap = r.find("rap");
            k.rapidity = true;
            k.c[1] = rap ? *rap : r.column("y");
        }
        k.c[2] = r.column("phi");
        if (auto m = r.find("m")) k.last = *m;
        else if (auto mass = r.find("mass")) k.last = *mass;
    } else {
        throw usage_error(source + ": CSV constituents need columns px,py,pz,E or pt,eta|rap|y,phi[,m] (and event)");
    }
    if (auto pid = r.find("pid")) k.pid = *pid;
    return k;
}

namespace {

//---------------------------------------------------------------------------------------------
class csv_events : public event_reader {
public:
    csv_events(input& in, const event_reader_options& opt) : in_(in), opt_(opt), csv_(in) {
        cols_ = find_constituent_columns(csv_, in.name());
        if (opt_.drop_neutrinos && !cols_.pid)
            throw usage_error(in.name() + ": neutrinos cannot be dropped: the CSV has no 'pid' column");
        have_row_ = csv_.next();
    }
    bool next(event& ev) override {
        ev.particles.clear();
        ev.dropped_neutrinos = 0;
        if (!have_row_) return false;
        const std::int64_t id = csv_.integer(cols_.event);
        if (!seen_.insert(id).second)
            throw error(csv_.where() + "event " + std::to_string(id) +
                        " appears again after other events; the rows of an event must be contiguous");
        ev.line = csv_.line();
        do {
            if (csv_.integer(cols_.event) != id) break;
            double v[4];
            for (int q = 0; q < 3; ++q) v[q] = csv_.number(cols_.c[q]);
            v[3] = cols_.last ? csv_.number(*cols_.last) : 0.0;
            if (cols_.pid && opt_.drop_neutrinos) {
                const std::int64_t pid = csv_.integer(*cols_.pid);
                if (is_neutrino(long(pid))) {
                    ++ev.dropped_neutrinos;
                    continue;
                }
            }
            fourvec p;
            if (cols_.cartesian) {
                p = checked(in_, csv_.line(), v[0], v[1], v[2], v[3]);
            } else {
                for (int q = 0; q < 4; ++q)
                    if (!std::isfinite(v[q]))
                        throw error(csv_.where() + "non-finite value; expected finite " + cols_.description());
                if (v[0] < 0 || v[3] < 0) throw error(csv_.where() + "negative pt or m");
                p = cols_.rapidity ? fourvec::from_pt_y_phi_m(v[0], v[1], v[2], v[3])
                                   : particle_from_pt_eta_phi_m(v[0], v[1], v[2], v[3]);
            }
            p.set_user_index(int(ev.particles.size()));
            ev.particles.push_back(p);
        } while ((have_row_ = csv_.next()));
        ev.index = count_++;
        return true;
    }
    std::string description() const override {
        return std::string("CSV long format (event, ") + cols_.description() + ")" +
               (opt_.drop_neutrinos ? ", neutrinos dropped" : "");
    }

private:
    input& in_;
    event_reader_options opt_;
    csv_reader csv_;
    constituent_columns cols_;
    bool have_row_ = false;
    std::unordered_set<std::int64_t> seen_;
    std::size_t count_ = 0;
};

}  // namespace

std::string check_particle(double px, double py, double pz, double E) {
    if (!std::isfinite(px) || !std::isfinite(py) || !std::isfinite(pz) || !std::isfinite(E))
        return "non-finite momentum (" + format_double(px) + ", " + format_double(py) + ", " + format_double(pz) + ", " +
               format_double(E) + ")";
    const double p = std::sqrt(px * px + py * py + pz * pz);
    // printed momenta carry ~1e-7..1e-10 relative rounding; a real E < |p| is far beyond that
    if (E < p * (1.0 - 1e-6) - 1e-9)
        return "E = " + format_double(E) + " < |p| = " + format_double(p) + " (unphysical; m^2 < 0 beyond rounding)";
    return "";
}

fourvec particle_from_pt_eta_phi_m(double pt, double eta, double phi, double m) {
    return fourvec::from_pt_eta_phi_m(pt, eta, phi, m);
}

std::string to_string(event_format f) {
    switch (f) {
    case event_format::npy: return "npy";
    case event_format::hepmc3: return "hepmc3";
    case event_format::fastjet: return "fastjet";
    case event_format::csv: return "csv";
    }
    return "?";
}

event_format parse_event_format(const std::string& name) {
    if (name == "npy") return event_format::npy;
    if (name == "hepmc3" || name == "hepmc") return event_format::hepmc3;
    if (name == "fastjet" || name == "dat" || name == "txt") return event_format::fastjet;
    if (name == "csv") return event_format::csv;
    throw usage_error("unknown input format '" + name + "'; expected npy, hepmc3, fastjet or csv");
}

event_format detect_event_format(input& in) {
    if (is_npy(in, "NPY, CSV, HepMC3 or FastJet text")) return event_format::npy;
    std::string_view head = in.peek(4096);
    std::size_t b = 0;
    while (b < head.size() && std::isspace(static_cast<unsigned char>(head[b]))) ++b;
    head.remove_prefix(b);
    if (head.substr(0, 7) == "HepMC::") return event_format::hepmc3;
    const std::string_view first = head.substr(0, head.find('\n'));
    bool alpha = false, comma = false;
    for (char c : first) {
        if (std::isalpha(static_cast<unsigned char>(c)) && c != 'e' && c != 'E') alpha = true;
        if (c == ',') comma = true;
    }
    if (comma && alpha && first.substr(0, 1) != "#") return event_format::csv;
    return event_format::fastjet;
}

/// Events [begin, end) of a text reader: the ones before are read and dropped; indices stay the file's.
class shard_events : public event_reader {
public:
    shard_events(std::unique_ptr<event_reader> r, row_range range) : r_(std::move(r)), range_(range) {}
    bool next(event& ev) override {
        for (; skipped_ < range_.begin; ++skipped_)
            if (!r_->next(ev)) return false;
        if (read_ == range_.size()) return false;
        ++read_;
        return r_->next(ev);
    }
    std::string description() const override { return r_->description(); }

private:
    std::unique_ptr<event_reader> r_;
    row_range range_;
    std::uint64_t skipped_ = 0, read_ = 0;
};

std::unique_ptr<event_reader> make_event_reader(input& in, event_format f, const event_reader_options& opt) {
    if (f != event_format::npy && !opt.shard.whole()) {
        event_reader_options whole = opt;
        whole.shard = {};
        auto count = [&](const std::string& path) {
            input again(path);
            auto r = make_event_reader(again, f, whole);
            event ev;
            std::uint64_t n = 0;
            while (r->next(ev)) ++n;
            return n;
        };
        const row_range range = shard_rows_of_file(opt.shard, in.name() == "<stdin>" ? "-" : in.name(), count);
        return std::make_unique<shard_events>(make_event_reader(in, f, whole), range);
    }
    switch (f) {
    case event_format::npy: return std::make_unique<npy_events>(in, opt.shard);
    case event_format::hepmc3: return std::make_unique<hepmc3_events>(in, opt);
    case event_format::fastjet: return std::make_unique<fastjet_events>(in, opt);
    case event_format::csv: return std::make_unique<csv_events>(in, opt);
    }
    throw usage_error("unknown input format");
}

}  // namespace jetml
