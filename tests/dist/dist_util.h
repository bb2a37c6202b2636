// Helpers of the distributed tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "../test_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/dense.h"
#include "sgc/dist/comm.h"
#include "sgc/model/config.h"
#include "sgc/presets.h"

namespace sgc::testing {

// A small Reddit-shaped graph with SGC's Reddit protocol (inductive, z-score
// features, L-BFGS without weight decay) for `epochs` iterations.
struct RedditCase {
  Dataset data;
  Config config;
  PowerLawOptions options;  // what generated data
};
inline RedditCase small_reddit_inductive(int64_t nodes, int64_t features, int32_t classes, double avg_degree,
                                         uint64_t seed, int epochs) {
  PowerLawOptions o;
  o.nodes = nodes;
  o.features = features;
  o.classes = classes;
  o.avg_degree = avg_degree;
  o.seed = seed;
  RedditCase r{make_powerlaw(o), {}, o};
  r.config = preset_for(r.data, default_operator()).config;
  r.config.protocol = Protocol::Inductive;
  r.config.feature_norm = FeatureNorm::ZScore;
  r.config.train.optimizer = &find_optimizer("lbfgs");
  r.config.train.weight_decay = 0;
  r.config.train.epochs = epochs;
  return r;
}

// Largest |got - want| over the rows of this rank, against want's rows `ids`, with the
// largest |want|; both maxima taken over every rank.
struct Diff {
  double abs = 0, scale = 0;
  double relative() const { return scale > 0 ? abs / scale : abs; }
};
inline Diff max_diff(const dist::Comm& comm, const DenseMatrix& got, const DenseMatrix& want,
                     const std::vector<int32_t>& ids) {
  std::vector<double> m{0, 0, double(got.rows() != Eigen::Index(ids.size()) || got.cols() != want.cols())};
  for (size_t r = 0; r < ids.size() && !m[2]; ++r)
    for (Eigen::Index j = 0; j < want.cols(); ++j) {
      m[0] = std::max(m[0], double(std::abs(got(Eigen::Index(r), j) - want(ids[r], j))));
      m[1] = std::max(m[1], double(std::abs(want(ids[r], j))));
    }
  MPI_Allreduce(MPI_IN_PLACE, m.data(), 3, MPI_DOUBLE, MPI_MAX, comm.get());
  if (m[2] > 0) return {1e30, 1};  // shapes differ somewhere
  return {m[0], m[1]};
}

}  // namespace sgc::testing
