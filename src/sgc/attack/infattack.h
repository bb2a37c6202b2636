// InfAttack (Wang et al., "Efficient Evasion Attacks to Graph Neural
// Networks via Influence Function", WSDM 2024), targeted direct evasion:
// flip at most D edges (v, s) at the target v so that the victim scores the
// target class c (its second-highest class for v) above v's label y_v.
//
// Objective (sec. 4, label influence; label_influence.h): the K-step
// label-propagation gap f(A') = (S'^K Y)_{v,c} - (S'^K Y)_{v,y_v}, Y the soft
// labels (soft_labels.h). Candidates (sec. 4.3; the authors' code): add
// (v, u) for label-c nodes u not adjacent to v (all of them, or a seeded
// sample of max_add_candidates), remove (v, u) for label-y_v neighbours u
// while v keeps at least one neighbour. Labels are the true ones (known) or
// the victim's predictions (unknown).
// Greedy, D steps, each the flip with the largest objective:
//   efficient: every candidate's increment f(A ^ flip) - f(A) is computed
//     once per target, exactly (a sparse K-step propagation from v on the
//     flipped graph); the adds and the removes are each taken in that order,
//     and at each step the next add and the next remove are compared by
//     their exact objective on the current graph (the authors recompute the
//     base term with v's current degree for the same purpose);
//   exact: every remaining candidate's objective recomputed on the current
//     graph at every step (the authors' iterative variant).
// Success (the authors' code): after the flips the victim's score for c
// exceeds its score for v's true label; strict (the paper): v classified as c.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/attack/victim.h"
#include "sgc/data/dataset.h"

namespace sgc::attack {

enum class Variant { Efficient, Exact };
enum class LabelMode { Known, Unknown };
Variant parse_variant(const std::string& s);      // "efficient" | "exact"; ArgumentError naming --variant
LabelMode parse_label_mode(const std::string& s); // "known" | "unknown"; ArgumentError naming --labels
std::string to_string(Variant v);
std::string to_string(LabelMode m);

struct AttackOptions {
  Variant variant = Variant::Efficient;
  LabelMode labels = LabelMode::Known;
  std::vector<int> budgets{2, 4, 6, 8, 10};  // ascending, >= 1
  int k = 2;                   // depth of the objective
  int max_add_candidates = 0;  // 0: every label-c node
  uint64_t seed = 0;           // candidate sampling
  double soft_label_c = 1.0;   // the soft labels' inverse L2 strength
};
void validate_attack_options(const AttackOptions& o);  // ArgumentError naming the flag

struct StepRecord {
  Flip flip;
  double objective = 0;  // f after this flip
};

struct TargetOutcome {
  int32_t target = 0;
  int32_t label = 0;         // true label
  int32_t attack_label = 0;  // y_v the attacker used (known: true, unknown: predicted)
  int32_t target_class = 0;  // c
  int64_t add_candidates = 0, remove_candidates = 0;
  double objective_before = 0;
  std::vector<StepRecord> steps;  // in order (fewer than max budget when candidates ran out)
  // Per budget (AttackOptions::budgets order):
  std::vector<uint8_t> success, classified_as_c, still_correct;
  std::vector<double> margin;  // score(c) - score(label)
  double seconds = 0;          // search and victim evaluation, all budgets
};

struct AttackReport {
  AttackOptions options;
  std::vector<TargetOutcome> targets;
  std::vector<double> success_rate, strict_rate, accuracy;  // per budget, over the targets
  double seconds_per_target = 0;  // mean
  double median_seconds_per_target = 0;
  bool local_victim = false;  // the victim scored by sparse rows (else full re-runs)
};

class InfAttack {
 public:
  // Labels and soft labels for the mode; the victim's clean predictions.
  InfAttack(const Dataset& d, const Victim& victim, const AttackOptions& o);
  TargetOutcome attack(int32_t target);
  // The objective f for target v with class c and label y after `flips` (tests).
  double objective(int32_t v, int32_t c, int32_t y, const std::vector<Flip>& flips);
  const std::vector<int32_t>& labels() const { return labels_; }
  bool local_victim() const { return scorer_.local(); }

 private:
  const Dataset& d_;
  const Victim& victim_;
  AttackOptions o_;
  std::vector<int32_t> labels_;
  DenseMatrix soft_;
  FlipGraph g_;
  RowPropagator prop_;
  VictimScorer scorer_;
};

AttackReport run_attack(const Dataset& d, const Victim& victim, const std::vector<int32_t>& targets,
                        const AttackOptions& o);

// Summary and per-target outcomes as JSON (CLI --json, Python).
nlohmann::json report_to_json(const AttackReport& r, bool per_target = true);
// CSV lines "target,step,u,added|removed" of every flip, with a header line.
std::string flips_csv(const AttackReport& r);

}  // namespace sgc::attack
