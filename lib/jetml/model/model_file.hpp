// SPDX-License-Identifier: MIT
// jetml/model/model_file.hpp - the model file as a container: an NPZ archive (jetml/io/npz.hpp)
// whose meta.json says what kind of model it holds, read once and handed to that kind's loader.
//
// meta.json always has {"format": "jetml-model", "format_version": V, "kind": K,
// "jetml_version": ...}; every other key and entry belongs to the kind (jetml-formats(5)).
//   format_version 1  the network layout: kinds "sequential" and "fisher" (a linear network).
//                     "kind" is optional; files written before kinds existed have none and are
//                     "fisher" when extra.arch_option is "fisher", otherwise "sequential".
//   format_version 2  any kind; "kind" is required. A kind whose entries a version-1 reader
//                     cannot load (bdt, maf, autoencoder, pivot) is written as version 2, so
//                     that an older jetml refuses it with "format version 2 is newer".
// The version is the oldest reader that can load the file, so sequential and fisher files stay
// at version 1: jetml releases without kinds read them (they ignore the "kind" key).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jetml/io/json.hpp"
#include "jetml/io/npz.hpp"

namespace jetml::model {

/// The newest model-file format version this jetml reads. Readers accept 1..this.
constexpr int newest_format_version = 2;

/// The format version a file of `kind` is written with: 1 for "sequential" and "fisher", 2 for
/// every other kind.
int kind_format_version(const std::string& kind);

/// The opening of meta.json a writer of `kind` starts with: "{\n  \"format\": \"jetml-model\",
/// \n  \"format_version\": V,\n  \"kind\": K,\n  \"jetml_version\": ..." (no trailing comma);
/// the kind's own keys follow as ",\n  \"key\": value" and the object is closed by the writer.
std::string meta_json_head(const std::string& kind);

/// Writes the bytes of a model file to `path` ("-" = stdout), atomically for a path (temporary
/// file, then rename: never half-written).
void write_model_file(const std::string& path, const std::string& bytes);

/// A parsed model file: its entries and meta.json, with the format checked and the kind resolved.
class model_file {
public:
    /// Reads and parses the file at `path` ("-" = stdin). Throws jetml::error "<path>: ..." for
    /// anything that is not a jetml model file of a supported format version.
    static model_file read(const std::string& path);
    /// Parses the bytes of a model file; `src` names it in errors.
    static model_file parse(const std::string& bytes, const std::string& src);

    /// The file's name in messages ("<stdin>" for "-").
    const std::string& source() const { return src_; }
    /// The model kind, e.g. "sequential", "fisher" (resolved for files without a "kind" key).
    const std::string& kind() const { return kind_; }
    /// The file's format version, 1..newest_format_version.
    int format_version() const { return version_; }
    /// The jetml version that wrote the file ("" if the file does not say).
    const std::string& jetml_version() const { return jetml_version_; }

    /// The parsed meta.json (an object).
    const json_value& meta() const { return meta_; }
    /// The top-level meta.json value `key`, or null.
    const json_value* find(const std::string& key) const { return meta_.find(key); }
    /// The top-level value `key` of type `t`; jetml::error "meta.json: missing key 'k'" or
    /// "meta.json: key 'k' has the wrong type".
    const json_value& need(const std::string& key, json_value::kind t) const { return need(meta_, key, t); }
    /// The member `key` of type `t` of the object `obj` (a part of meta()), with the same errors.
    const json_value& need(const json_value& obj, const std::string& key, json_value::kind t) const;
    /// A required string value.
    const std::string& need_string(const std::string& key) const { return need(key, json_value::string).s; }
    /// A required non-negative integer value (64 bits).
    std::uint64_t need_u64(const std::string& key) const;
    /// `v` as a non-negative 64-bit integer; errors name `key`.
    std::uint64_t to_u64(const json_value& v, const std::string& key) const;
    /// `v` as a shape, an array of non-negative integers; errors name `key`.
    std::vector<std::size_t> to_shape(const json_value& v, const std::string& key) const;
    /// The string members of the "extra" object, in file order (other members are skipped).
    const std::vector<std::pair<std::string, std::string>>& extra() const { return extra_; }

    /// The bytes of entry `name` (the full name, e.g. "0.weight.npy"), or null if absent. With
    /// two entries of one name, the last counts.
    const std::string* entry(const std::string& name) const;
    /// All entries, in archive order.
    const std::vector<zip_entry>& entries() const { return entries_; }

private:
    std::string src_, kind_, jetml_version_;
    int version_ = 0;
    json_value meta_;
    std::vector<std::pair<std::string, std::string>> extra_;
    std::vector<zip_entry> entries_;
    std::map<std::string, std::size_t> by_name_;
};

}  // namespace jetml::model
