// SPDX-License-Identifier: MIT
// jetml/model/kinds.cpp - the one list of model kinds this build loads.
#include "jetml/model/kinds.hpp"

#include "jetml/flow/flow_file.hpp"
#include "jetml/model/autoencoder_scorer.hpp"
#include "jetml/model/network_scorer.hpp"
#include "jetml/trees/bdt_file.hpp"

namespace jetml::model {

const std::vector<kind_entry>& builtin_kinds() {
    static const std::vector<kind_entry> kinds = {
        {"sequential", &load_network_scorer, "a feed-forward network classifier (train --arch PRESET|LAYERS)"},
        {"fisher", &load_network_scorer, "a Fisher linear discriminant stored as a linear network (train --arch fisher)"},
        {"flow", &flow::load_flow_scorer, "a conditional masked autoregressive flow scoring log p(x|c) (rows [x | c])"},
        {"autoencoder", &load_autoencoder_scorer,
         "an autoencoder scoring the reconstruction error (and a VAE's KL term) (train --autoencoder)"},
        {"bdt", &trees::load_bdt_scorer, "boosted decision trees, histogram gradient boosting of the log-loss (train --arch bdt)"},
    };
    return kinds;
}

}  // namespace jetml::model
