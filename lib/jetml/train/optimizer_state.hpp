// SPDX-License-Identifier: MIT
// jetml/train/optimizer_state.hpp - an optimiser's moment buffers in a checkpoint, written and
// read back by every trainable that checkpoints one (networks, flows, the pivot's two nets).
#pragma once
#include <string>
#include <vector>

#include "jetml/nn/layer.hpp"
#include "jetml/nn/optim.hpp"

namespace jetml::train {

/// The first moments of `o` (parameter by parameter), then the second, as one float32 NPY record.
std::string optimizer_record(nn::optimizer& o);

/// Restores what optimizer_record wrote, for the parameters `ps` of the model `o` optimises. An
/// empty record (an optimiser that had not stepped) leaves the buffers as they are. A record of
/// another size throws error(src, mismatch); a malformed one the parse error of entry `entry`.
void load_optimizer_record(nn::optimizer& o, const std::vector<nn::param*>& ps, const std::string& rec,
                           const std::string& src, const std::string& entry, const std::string& mismatch);

}  // namespace jetml::train
