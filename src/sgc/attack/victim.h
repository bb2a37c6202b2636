// The victims of the attack and their settings (the attack itself is
// black-box: it reads only the graph, labels and the victim's predictions).
//
//   victim_config: SGC as in InfAttack's code (Wang et al., WSDM 2024):
//     K = 2, row-normalised features, no bias, Adam lr 0.2, 200 epochs, weight decay
//     1.656e-5 / 2.3545587e-5 / 7.4039e-5 on Cora / Citeseer / Pubmed, public
//     Planetoid split; any other operator or data set: the library's preset
//     (presets.h), as for any model other than the linear one; K replaced
//     when given (deep SGC).
//   VictimScorer: the victim's class scores for the target on the perturbed
//     graph. A linear model whose operator is a series in the augmented
//     normalisation, sum_j w_j S^j (sgc, dgc, ssgc, ppr, heat, poly), gets
//     the target's propagated row exactly from sparse rows of S'^j
//     (label_influence.h): (sum_j w_j e_v S'^j) X W + b. Any other model of
//     the registry is re-run through the Model interface on the whole
//     perturbed graph (exact, slower).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sgc/attack/label_influence.h"
#include "sgc/data/dataset.h"
#include "sgc/dense.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"

namespace sgc::attack {

// The victim's configuration: the preset of (d, op, model), with the
// InfAttack authors' SGC settings on Planetoid, and depth k if given
// (ArgumentError for an operator without one). Not yet validated: a caller
// may set more (poly's coefficients); train_victim validates.
Config victim_config(const Dataset& d, const OperatorDef& op, const ModelDef& model = default_model(),
                     std::optional<int> k = std::nullopt);

// The depth of the attacker's objective against a victim: the victim's K
// for SGC (deep SGC is attacked with its own depth), else 2.
int attack_depth(const Config& victim);
// Added-edge candidates per target (0: all): the authors subsample Pubmed's
// when K > 2 (their code: 200 nodes; 100 for class 0).
int default_add_candidates(const Dataset& d, int k);

struct Victim {
  Config config;
  std::shared_ptr<const Model> model;
  Prediction clean;         // every node, clean graph
  double test_accuracy = 0; // clean test accuracy
};

// Trains a victim with c on d.
Victim train_victim(const Dataset& d, const Config& c);
// A fitted (e.g. loaded) model as a victim on d.
Victim make_victim(const Dataset& d, const Config& c, std::shared_ptr<const Model> m);

// The victims of the robustness report: SGC, DGC, SSGC, PPR, SGC K = 4, SGC K = 8.
struct VictimSpec {
  std::string label;
  Config config;
};
std::vector<VictimSpec> robustness_victims(const Dataset& d);

struct Flip {
  int32_t u = 0;
  bool added = true;
};

class VictimScorer {
 public:
  VictimScorer(const Dataset& d, const Victim& v);
  // Whether scores() uses sparse rows (else a full re-run of the model).
  bool local() const { return local_; }
  // The victim's class scores (logits) of target v after `flips` at v.
  Eigen::VectorXd scores(int32_t v, const std::vector<Flip>& flips);
  // The same by re-running the model on the whole perturbed graph.
  Eigen::VectorXd full_scores(int32_t v, const std::vector<Flip>& flips);

 private:
  void apply(int32_t v, const std::vector<Flip>& flips);
  const Dataset& d_;
  const Victim& v_;
  bool local_ = false;
  std::vector<double> weights_;  // series w_0..w_L
  CsrMatrix x_;                  // normalised features (local path)
  DenseMatrixD w_;               // d x C
  Eigen::RowVectorXd b_;
  FlipGraph g_;
  RowPropagator prop_;
  std::vector<SparseRow> rows_;
  std::vector<double> acc_;
};

}  // namespace sgc::attack
