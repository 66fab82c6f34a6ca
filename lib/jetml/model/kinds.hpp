// SPDX-License-Identifier: MIT
// jetml/model/kinds.hpp - the model kinds compiled into this build (the list lives in kinds.cpp).
#pragma once
#include <vector>

#include "jetml/model/scorer.hpp"

namespace jetml::model {

/// One built-in kind: its meta.json name, its loader, and one line about it.
struct kind_entry {
    const char* kind;
    scorer_loader loader;
    const char* about;
};

/// The built-in kinds, registered when the registry is first used. A new kind adds its line
/// here (kinds.cpp) and nowhere else.
const std::vector<kind_entry>& builtin_kinds();

}  // namespace jetml::model
