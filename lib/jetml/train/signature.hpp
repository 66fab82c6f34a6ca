// SPDX-License-Identifier: MIT
// jetml/train/signature.hpp - what a checkpoint must match for an exact resume: a fast 64-bit
// digest of the data as trained on, and the fields of a fit_signature (the engine's options,
// the data digests and the trainable's own settings), with their comparison and their
// readable record for a model file's meta.json.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jetml/data/labelled.hpp"

namespace jetml::train {

/// A fast, non-cryptographic 64-bit hash of bytes, for noticing changed data (not for
/// security). Four independent lanes take 8 bytes each per 32-byte stripe (multiply, xor,
/// rotate, multiply), so it runs near memory speed; the lanes, the tail and the length are
/// folded and avalanched at the end. Streaming: any split of the bytes over update() calls
/// gives the value of one call on their concatenation.
class digest64 {
public:
    /// Starts a digest; another `seed` gives an unrelated function.
    explicit digest64(std::uint64_t seed = 0);
    /// Appends n bytes.
    digest64& update(const void* p, std::size_t n);
    /// Appends the bytes of a string.
    digest64& update(const std::string& s) { return update(s.data(), s.size()); }
    /// Appends a 64-bit integer (8 bytes, little-endian as in memory on x86-64).
    digest64& update_u64(std::uint64_t v) { return update(&v, sizeof v); }
    /// The digest of everything appended so far (does not end the stream).
    std::uint64_t value() const;
    /// value() as 16 lowercase hex digits.
    std::string hex() const;

private:
    std::uint64_t lane_[4];
    unsigned char buf_[32];
    std::size_t buffered_ = 0;
    std::uint64_t total_ = 0;
};

/// Digests of a labelled set as the engine trains on it, each 16 hex digits: the inputs
/// (shape, n and the float32 values), the labels, the weights and the side columns (names and
/// values), and `all`, a digest of the four.
struct data_digest {
    std::string all, inputs, labels, weights, side;
};
/// The digests of `d` (one pass over its bytes).
data_digest digest_data(const data::labelled_set& d);

/// One field of a fit signature.
struct signature_field {
    std::string key;    ///< identifier: state.txt key "sig.KEY", meta.json "training" key (no '.', '=' or '\n')
    std::string label;  ///< how a message names it: an option ("--weight-decay") or words ("training data digest")
    std::string value;  ///< printable value, one line
    /// Named sub-values that explain a difference (a data digest's "inputs", "labels", ...).
    std::vector<std::pair<std::string, std::string>> parts;
};

/// Everything that changes the result of a training run, except the number of epochs: the
/// engine's options and data digests, and what each trainable adds about itself (see
/// trainable::signature). A checkpoint stores it; resuming compares it field by field.
class fit_signature {
public:
    /// Sets field `key`; a key set before keeps its place and takes the new label, value and
    /// parts (so a trainable can state what it really uses instead of the option's value).
    void set(const std::string& key, const std::string& label, const std::string& value,
             std::vector<std::pair<std::string, std::string>> parts = {});
    /// The field of `key`, or null.
    const signature_field* find(const std::string& key) const;
    /// The fields in the order they were first set.
    const std::vector<signature_field>& fields() const { return fields_; }
    /// state.txt lines: ("sig.KEY", value) and ("sig.KEY.PART", part value) for every field.
    std::vector<std::pair<std::string, std::string>> state_keys() const;
    /// The signature stored in the "sig.*" keys of a checkpoint's state.txt (labels are the
    /// keys; compare() takes the labels of the current signature).
    static fit_signature from_state_keys(const std::map<std::string, std::string>& kv);
    /// Every difference between `saved` (a checkpoint's) and this signature, in this
    /// signature's field order then the fields only `saved` has: "LABEL SAVED vs NOW", with
    /// "(inputs, labels changed)" naming the parts that differ, "(none)" for a missing field,
    /// and values holding spaces quoted with ''. Empty when they match.
    std::vector<std::string> compare(const fit_signature& saved) const;
    /// The readable form for meta.json: ("jetml_version", this jetml's version), then (key,
    /// value) of every field, each followed by (KEY.PART, value) of its parts.
    std::vector<std::pair<std::string, std::string>> record() const;

private:
    std::vector<signature_field> fields_;
};

}  // namespace jetml::train
