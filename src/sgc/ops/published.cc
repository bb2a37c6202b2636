// See published.h for the table and its sources.
#include "sgc/ops/published.h"

namespace sgc {

namespace {

PublishedSetting dgc(const std::string& op, double t, int k, double lr, double wd, double acc) {
  PublishedSetting p;
  p.op.op = op;
  p.op.t = t;
  p.op.k = k;
  p.train.lr = lr;
  p.train.weight_decay = wd;
  p.train.epochs = 100;
  p.test_accuracy = acc;
  p.source = "DGC, Wang et al., NeurIPS 2021";
  return p;
}

PublishedSetting ssgc(double wd, int epochs, double acc) {
  PublishedSetting p;
  p.op.op = "ssgc";
  p.op.k = 16;
  p.op.alpha = 0.05;
  p.train.lr = 0.2;
  p.train.weight_decay = wd;
  p.train.epochs = epochs;
  p.test_accuracy = acc;
  p.source = "SSGC, Zhu & Koniusz, ICLR 2021";
  return p;
}

}  // namespace

std::optional<PublishedSetting> published_setting(const std::string& op, const std::string& dataset) {
  if (op == "dgc" || op == "dgc_naive" || op == "heat") {
    std::optional<PublishedSetting> p;
    if (dataset == "cora") p = dgc(op, 5.27, 250, 0.156, 3.544e-5, 83.3);
    if (dataset == "citeseer") p = dgc(op, 3.78, 300, 1.39, 2e-4, 73.3);
    if (dataset == "pubmed") p = dgc(op, 6.0498, 900, 0.627, 9.38e-6, 80.3);
    if (p && op == "heat") {  // the heat kernel itself has no published accuracy
      p->test_accuracy = 0;
      p->source = "DGC's settings (Wang et al., NeurIPS 2021); no published accuracy";
    }
    return p;
  }
  if (op == "ssgc") {
    if (dataset == "cora") return ssgc(1e-5, 100, 83.0);
    if (dataset == "citeseer") return ssgc(1e-4, 150, 73.6);
    if (dataset == "pubmed") return ssgc(2e-5, 100, 80.6);
  }
  return std::nullopt;
}

}  // namespace sgc
