// The greedy InfAttack variants and their report (see infattack.h).
#include "sgc/attack/infattack.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <sstream>

#include "sgc/attack/soft_labels.h"
#include "sgc/error.h"
#include "sgc/random.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/timer.h"

namespace sgc::attack {

Variant parse_variant(const std::string& s) {
  if (s == "efficient") return Variant::Efficient;
  if (s == "exact") return Variant::Exact;
  throw ArgumentError("--variant: expected efficient or exact, got '" + s + "'");
}
LabelMode parse_label_mode(const std::string& s) {
  if (s == "known") return LabelMode::Known;
  if (s == "unknown") return LabelMode::Unknown;
  throw ArgumentError("--labels: expected known or unknown, got '" + s + "'");
}
std::string to_string(Variant v) { return v == Variant::Efficient ? "efficient" : "exact"; }
std::string to_string(LabelMode m) { return m == LabelMode::Known ? "known" : "unknown"; }

void validate_attack_options(const AttackOptions& o) {
  if (o.budgets.empty()) throw ArgumentError("--budgets: no budget given");
  for (size_t i = 0; i < o.budgets.size(); ++i) {
    if (o.budgets[i] < 1 || o.budgets[i] > 10000)
      throw ArgumentError("--budgets: " + std::to_string(o.budgets[i]) + " is not in [1, 10000]");
    if (i > 0 && o.budgets[i] <= o.budgets[i - 1]) throw ArgumentError("--budgets: must be increasing");
  }
  if (o.k < 1 || o.k > 64) throw ArgumentError("--attack-k: objective depth must be in [1, 64], got " + std::to_string(o.k));
  if (o.max_add_candidates < 0) throw ArgumentError("--max-candidates: must be >= 0");
  if (!(o.soft_label_c > 0)) throw ArgumentError("attack: soft-label C must be > 0");
}

InfAttack::InfAttack(const Dataset& d, const Victim& victim, const AttackOptions& o)
    : d_(d), victim_(victim), o_(o), g_(d.adjacency, 1.0), prop_(d.num_nodes()), scorer_(d, victim) {
  validate_attack_options(o);
  if (o.labels == LabelMode::Known) {
    labels_ = d.labels;
  } else {
    labels_ = victim.clean.label;
    // Nodes without a true label (Citeseer's missing test nodes) stay unknown.
    for (size_t i = 0; i < labels_.size(); ++i)
      if (d.labels[i] < 0) labels_[i] = -1;
  }
  // The victim's feature normalisation (row on Planetoid, as the authors').
  soft_ = soft_labels(d, labels_, victim.config.feature_norm == FeatureNorm::Row ? FeatureNorm::Row : FeatureNorm::None,
                      o.soft_label_c, 42);
}

namespace {
int32_t argmax(const Eigen::VectorXd& s) {
  Eigen::Index i;
  s.maxCoeff(&i);
  return int32_t(i);
}
}  // namespace

double InfAttack::objective(int32_t v, int32_t c, int32_t y, const std::vector<Flip>& flips) {
  const std::vector<double> gap = label_gap(soft_.data(), d_.num_nodes(), d_.num_classes, c, y);
  g_.reset(v);
  for (const Flip& f : flips) f.added ? g_.add(f.u) : g_.remove(f.u);
  const double f = prop_.objective(g_, o_.k, gap);
  g_.reset(v);
  return f;
}

TargetOutcome InfAttack::attack(int32_t v) {
  Timer timer;
  TargetOutcome out;
  out.target = v;
  out.label = d_.labels[size_t(v)];
  const int32_t top = victim_.clean.label[size_t(v)];
  if (out.label < 0) out.label = top;  // an unlabelled target: its predicted class stands for it
  out.attack_label = labels_[size_t(v)] >= 0 ? labels_[size_t(v)] : top;
  const int32_t y = out.attack_label;
  // c: the victim's second-highest class (the highest other than y if y is not its top).
  const Eigen::VectorXd clean = victim_.clean.logits.row(v).transpose().cast<double>();
  int32_t c = -1;
  for (int32_t k = 0; k < d_.num_classes; ++k)
    if (k != top && (c < 0 || clean[k] > clean[c])) c = k;
  if (c == y) c = top;
  out.target_class = c;
  const std::vector<double> gap = label_gap(soft_.data(), d_.num_nodes(), d_.num_classes, c, y);

  g_.reset(v);
  const double f0 = prop_.objective(g_, o_.k, gap);
  out.objective_before = f0;
  std::vector<int32_t> adds, removes;
  for (int32_t u = 0; u < int32_t(d_.num_nodes()); ++u)
    if (labels_[size_t(u)] == c && u != v && !g_.adjacent(u)) adds.push_back(u);
  if (o_.max_add_candidates > 0 && adds.size() > size_t(o_.max_add_candidates)) {
    Rng rng(o_.seed * 0x9E3779B97F4A7C15ULL + uint64_t(v));
    for (size_t i = 0; i < size_t(o_.max_add_candidates); ++i)
      std::swap(adds[i], adds[i + size_t(rng.below(adds.size() - i))]);
    adds.resize(size_t(o_.max_add_candidates));
    std::sort(adds.begin(), adds.end());
  }
  g_.for_each_neighbor(v, [&](int32_t u, double) {
    if (u != v && labels_[size_t(u)] == y) removes.push_back(u);
  });
  std::sort(removes.begin(), removes.end());
  removes.erase(std::unique(removes.begin(), removes.end()), removes.end());
  out.add_candidates = int64_t(adds.size()), out.remove_candidates = int64_t(removes.size());

  auto eval = [&](int32_t u, bool added) {
    added ? g_.add(u) : g_.remove(u);
    const double f = prop_.objective(g_, o_.k, gap);
    g_.undo();
    return f;
  };
  auto take = [&](int32_t u, bool added, double f) {
    added ? g_.add(u) : g_.remove(u);
    out.steps.push_back({{u, added}, f});
  };
  const int budget = o_.budgets.back();
  std::vector<uint8_t> used_add(adds.size(), 0), used_rem(removes.size(), 0);
  if (o_.variant == Variant::Efficient) {
    // Single-flip increments, once; then each list in decreasing order.
    std::vector<double> inc_a(adds.size()), inc_r(removes.size());
    for (size_t i = 0; i < adds.size(); ++i) inc_a[i] = eval(adds[i], true) - f0;
    if (g_.target_degree() >= 2)
      for (size_t i = 0; i < removes.size(); ++i) inc_r[i] = eval(removes[i], false) - f0;
    auto order = [](const std::vector<double>& inc) {
      std::vector<size_t> idx(inc.size());
      std::iota(idx.begin(), idx.end(), size_t(0));
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return inc[a] > inc[b]; });
      return idx;
    };
    const std::vector<size_t> oa = order(inc_a), orr = order(inc_r);
    size_t ia = 0, ir = 0;
    for (int s = 0; s < budget; ++s) {
      const bool can_add = ia < oa.size();
      const bool can_rem = ir < orr.size() && g_.target_degree() >= 2;
      if (!can_add && !can_rem) break;
      if (can_add && can_rem) {
        const double fa = eval(adds[oa[ia]], true), fr = eval(removes[orr[ir]], false);
        if (fa >= fr)
          take(adds[oa[ia++]], true, fa);
        else
          take(removes[orr[ir++]], false, fr);
      } else if (can_add) {
        take(adds[oa[ia]], true, eval(adds[oa[ia]], true));
        ++ia;
      } else {
        take(removes[orr[ir]], false, eval(removes[orr[ir]], false));
        ++ir;
      }
    }
  } else {
    for (int s = 0; s < budget; ++s) {
      check_interrupt();
      double best = -std::numeric_limits<double>::infinity();
      int64_t pick = -1;  // index into adds, or adds.size() + index into removes
      for (size_t i = 0; i < adds.size(); ++i) {
        if (used_add[i]) continue;
        const double f = eval(adds[i], true);
        if (f > best) best = f, pick = int64_t(i);
      }
      if (g_.target_degree() >= 2)
        for (size_t i = 0; i < removes.size(); ++i) {
          if (used_rem[i]) continue;
          const double f = eval(removes[i], false);
          if (f > best) best = f, pick = int64_t(adds.size() + i);
        }
      if (pick < 0) break;
      if (size_t(pick) < adds.size()) {
        used_add[size_t(pick)] = 1;
        take(adds[size_t(pick)], true, best);
      } else {
        used_rem[size_t(pick) - adds.size()] = 1;
        take(removes[size_t(pick) - adds.size()], false, best);
      }
    }
  }
  g_.reset(v);

  std::vector<Flip> flips;
  for (const StepRecord& r : out.steps) flips.push_back(r.flip);
  for (int b : o_.budgets) {
    const std::vector<Flip> prefix(flips.begin(), flips.begin() + std::min<ptrdiff_t>(b, ptrdiff_t(flips.size())));
    const Eigen::VectorXd s = scorer_.scores(v, prefix);
    out.margin.push_back(s[c] - s[out.label]);
    out.success.push_back(s[c] > s[out.label]);
    out.classified_as_c.push_back(argmax(s) == c);
    out.still_correct.push_back(argmax(s) == out.label);
  }
  out.seconds = timer.seconds();
  return out;
}

AttackReport run_attack(const Dataset& d, const Victim& victim, const std::vector<int32_t>& targets,
                        const AttackOptions& o) {
  AttackReport r;
  r.options = o;
  InfAttack attack(d, victim, o);
  r.local_victim = attack.local_victim();
  for (int32_t v : targets) {
    check_interrupt();
    r.targets.push_back(attack.attack(v));
  }
  const size_t nb = o.budgets.size();
  r.success_rate.assign(nb, 0), r.strict_rate.assign(nb, 0), r.accuracy.assign(nb, 0);
  std::vector<double> secs;
  for (const TargetOutcome& t : r.targets) {
    for (size_t b = 0; b < nb; ++b) {
      r.success_rate[b] += t.success[b];
      r.strict_rate[b] += t.classified_as_c[b];
      r.accuracy[b] += t.still_correct[b];
    }
    secs.push_back(t.seconds);
  }
  if (!r.targets.empty()) {
    const double n = double(r.targets.size());
    for (size_t b = 0; b < nb; ++b) r.success_rate[b] /= n, r.strict_rate[b] /= n, r.accuracy[b] /= n;
    r.seconds_per_target = std::accumulate(secs.begin(), secs.end(), 0.0) / n;
    std::sort(secs.begin(), secs.end());
    const size_t mid = secs.size() / 2;  // the mean of the two middle values for an even count
    r.median_seconds_per_target = secs.size() % 2 ? secs[mid] : 0.5 * (secs[mid - 1] + secs[mid]);
  }
  return r;
}

nlohmann::json report_to_json(const AttackReport& r, bool per_target) {
  nlohmann::json j = {{"variant", to_string(r.options.variant)},
                      {"labels", to_string(r.options.labels)},
                      {"k", r.options.k},
                      {"max_add_candidates", r.options.max_add_candidates},
                      {"budgets", r.options.budgets},
                      {"targets", r.targets.size()},
                      {"success_rate", r.success_rate},
                      {"strict_success_rate", r.strict_rate},
                      {"accuracy_under_attack", r.accuracy},
                      {"seconds_per_target", r.seconds_per_target},
                      {"median_seconds_per_target", r.median_seconds_per_target},
                      {"victim_scored_locally", r.local_victim}};
  if (!per_target) return j;
  nlohmann::json list = nlohmann::json::array();
  for (const TargetOutcome& t : r.targets) {
    nlohmann::json flips = nlohmann::json::array();
    for (const StepRecord& s : t.steps) flips.push_back({{"u", s.flip.u}, {"added", s.flip.added}, {"objective", s.objective}});
    list.push_back({{"target", t.target}, {"label", t.label}, {"attack_label", t.attack_label},
                    {"target_class", t.target_class}, {"add_candidates", t.add_candidates},
                    {"remove_candidates", t.remove_candidates}, {"objective_before", t.objective_before},
                    {"flips", flips}, {"success", t.success}, {"classified_as_c", t.classified_as_c},
                    {"margin", t.margin}, {"seconds", t.seconds}});
  }
  j["per_target"] = list;
  return j;
}

std::string flips_csv(const AttackReport& r) {
  std::ostringstream s;
  s << "target,step,u,action\n";
  for (const TargetOutcome& t : r.targets)
    for (size_t i = 0; i < t.steps.size(); ++i)
      s << t.target << ',' << (i + 1) << ',' << t.steps[i].flip.u << ',' << (t.steps[i].flip.added ? "added" : "removed")
        << '\n';
  return s.str();
}

}  // namespace sgc::attack
