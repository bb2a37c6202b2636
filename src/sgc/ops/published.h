// The settings the papers of the SGC family published for the public
// Planetoid split (Yang et al., 2016), with the test accuracy they reported
// (mean of 10 runs). Every training uses Adam on softmax regression over the
// propagated features, as SGC does.
//
//   DGC (Wang et al., NeurIPS 2021, "Dissecting the Diffusion Process in Linear
//   Graph Convolutional Networks"), 100 epochs:
//     cora     T 5.27    K 250  lr 0.156  wd 3.544e-5   83.3
//     citeseer T 3.78    K 300  lr 1.39   wd 2e-4       73.3
//     pubmed   T 6.0498  K 900  lr 0.627  wd 9.38e-6    80.3
//   SSGC (Zhu & Koniusz, ICLR 2021, "Simple Spectral Graph Convolution"),
//   K 16, alpha 0.05, lr 0.2:
//     cora     wd 1e-5, 100 epochs    83.0
//     citeseer wd 1e-4, 150 epochs    73.6
//     pubmed   wd 2e-5, 100 epochs    80.6
//
// dgc_naive uses DGC's settings, and so does heat (its T; K plays no role).
// The other operators have no published setting here: SGC's own are
// paper_defaults() in sgc/pipeline.h.
#pragma once

#include <optional>
#include <string>

#include "sgc/model/train.h"
#include "sgc/ops/operator.h"

namespace sgc {

struct PublishedSetting {
  OperatorSpec op;
  TrainOptions train;
  double test_accuracy = 0;  // percent, as published (0: none published)
  std::string source;        // paper, for printing
};

std::optional<PublishedSetting> published_setting(const std::string& op, const std::string& dataset);

}  // namespace sgc
