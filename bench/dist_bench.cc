// The halo-exchange product on P = 1, 2, 4 ranks (sub-communicators of one
// `mpirun -np 4` job) on the Reddit-shaped graph: per hop and rank, the halo
// rows received and bytes sent, the product's compute time, the exchange
// alone (blocking, measured apart) and the time still spent waiting for it
// after the interior rows (what the overlap did not hide); the contiguous
// partition beside METIS (non-zeros of S cut, halo rows). Also the per
// non-zero and per byte costs the README's papers100M model uses.
//
//   mpirun --oversubscribe -np 4 build/dist_bench [--nodes 100000] [--features 602] [--hops 2]
//
// Every rank builds the graph (deterministic per seed) and keeps its rows.
//
// --accuracy: instead, the Reddit protocol (SGC K = 2, z-scored features,
// inductive, L-BFGS; presets.h) on the full Reddit-shaped graph (232,965
// nodes unless --nodes): test micro- and macro-F1 of one process (rank 0)
// beside P = 2 and 4 ranks that each generate only their rows
// (powerlaw_part.h), and the differences. Too slow for a test on 2 cores.
//
//   OMP_NUM_THREADS=1 mpirun --oversubscribe -np 4 build/dist_bench --accuracy
#include <mpi.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/dist/dist_job.h"
#include "sgc/dist/dist_product.h"
#include "sgc/dist/powerlaw_part.h"
#include "sgc/dist/rank_part.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"
#include "sgc/graph/normalize.h"
#include "sgc/util/timer.h"

namespace {

// A barrier the waiting ranks sleep through (MPI's spins, which would take
// the cores from the ranks working when they are oversubscribed).
void sleepy_barrier(const sgc::dist::Comm& comm) {
  MPI_Request req;
  MPI_Ibarrier(comm.get(), &req);
  for (int done = 0; !done;) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) usleep(20000);
  }
}

int accuracy_mode(const sgc::dist::Comm& world, sgc::PowerLawOptions o) {
  sgc::Config c = sgc::preset_for("synthetic", "powerlaw", sgc::default_operator()).config;
  c.train.seed = o.seed;
  double one[3] = {0, 0, 0};  // test micro-F1, macro-F1, seconds
  if (world.rank() == 0) {
    std::printf("%s\n", sgc::bench::host_line().c_str());
    std::printf("Reddit protocol (%s) on the Reddit-shaped graph, %lld nodes, seed %llu; %d OpenMP threads a rank\n",
                sgc::operator_summary(c.op).c_str(), (long long)o.nodes, (unsigned long long)o.seed,
                omp_get_max_threads());
    sgc::Timer t;
    const sgc::Evaluation e = sgc::fit_evaluate(sgc::precompute(sgc::make_powerlaw(o), c), c.train);
    one[0] = e.test_acc;
    one[1] = e.test_macro_f1;
    one[2] = t.seconds();
    std::printf("%-9s %12s %12s %14s %14s %10s\n", "ranks", "test micro", "test macro", "micro diff", "macro diff",
                "seconds");
    std::printf("%-9s %12.4f %12.4f %14s %14s %10.1f\n", "1 (whole)", one[0], one[1], "-", "-", one[2]);
    std::fflush(stdout);
  }
  sleepy_barrier(world);
  MPI_Bcast(one, 3, MPI_DOUBLE, 0, world.get());
  for (int P : {2, 4}) {
    if (P > world.size()) break;
    MPI_Comm sub;
    MPI_Comm_split(world.get(), world.rank() < P ? 0 : MPI_UNDEFINED, world.rank(), &sub);
    if (sub != MPI_COMM_NULL) {
      const sgc::dist::Comm comm(sub);
      sgc::Timer t;
      sgc::dist::GeneratedPart gen = sgc::dist::generate_powerlaw_part(comm, o);
      const sgc::dist::DistOutcome out = sgc::dist::run_distributed(
          comm, sgc::dist::local_data(comm, std::move(gen.part), c, "powerlaw", gen.cut, "generator"), c);
      const double seconds = t.seconds();
      if (comm.rank() == 0) {
        char label[16];
        std::snprintf(label, sizeof label, "%d (parts)", P);
        std::printf("%-9s %12.4f %12.4f %+14.2e %+14.2e %10.1f\n", label, out.eval.test_acc, out.eval.test_macro_f1,
                    out.eval.test_acc - one[0], out.eval.test_macro_f1 - one[1], seconds);
        std::fflush(stdout);
      }
      MPI_Comm_free(&sub);
    }
    sleepy_barrier(world);
  }
  if (world.rank() == 0)
    std::printf("(1 (whole): one process generates the graph and trains; P (parts): each of P ranks generates its "
                "rows and they train together; seconds include generation)\n");
  return 0;
}

struct Row {
  double halo = 0, bytes = 0, compute = 0, exchange = 0, wait = 0;
};

// max and mean over the ranks of comm
void reduce(const sgc::dist::Comm& comm, double v, double& max, double& mean) {
  MPI_Allreduce(&v, &max, 1, MPI_DOUBLE, MPI_MAX, comm.get());
  MPI_Allreduce(&v, &mean, 1, MPI_DOUBLE, MPI_SUM, comm.get());
  mean /= comm.size();
}

}  // namespace

int main(int argc, char** argv) {
  sgc::dist::MpiSession mpi(&argc, &argv);
  const sgc::dist::Comm world;
  sgc::PowerLawOptions o;
  o.nodes = 100000;
  int hops = 2;
  bool accuracy = false;
  CLI::App app{"The distributed product on 1, 2 and 4 ranks (run under mpirun): halo, bytes, compute, exchange, "
               "overlap; --accuracy: distributed training against one process."};
  app.add_flag("--accuracy", accuracy, "train on the Reddit-sized graph distributed and in one process");
  const CLI::Option* nodes =
      app.add_option("--nodes", o.nodes, "nodes of the Reddit-shaped graph (--accuracy: Reddit's size)")
          ->capture_default_str();
  app.add_option("--features", o.features, "its feature columns")->capture_default_str();
  app.add_option("--hops", hops, "hops timed")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--seed", o.seed, "the generator's seed")->capture_default_str();
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv, world.rank() == 0); rc >= 0) return rc;
  if (accuracy) {
    if (nodes->count() == 0) o.nodes = sgc::PowerLawOptions{}.nodes;  // Reddit's size
    return accuracy_mode(world, o);
  }
  const sgc::Dataset d = sgc::make_powerlaw(o);
  const sgc::CsrMatrix s = sgc::aug_norm_adj(d.adjacency);
  if (world.rank() == 0) {
    std::printf("%s\n", sgc::bench::host_line().c_str());
    std::printf("Reddit-shaped graph: %lld nodes, %lld non-zeros of S, %lld features; %d world ranks, %d OpenMP "
                "threads each\n",
                (long long)s.rows, (long long)s.nnz(), (long long)o.features, world.size(), omp_get_max_threads());
    std::printf("%-3s %-10s %4s %12s %10s %12s %10s %10s %10s %10s %8s\n", "P", "partition", "hop", "cut nnz",
                "halo rows", "MB sent", "compute s", "exch. s", "waited s", "hop s", "hidden");
  }
  double per_nnz = 0, per_byte = 0;
  for (int P : {1, 2, 4}) {
    if (P > world.size()) break;
    MPI_Comm sub;
    MPI_Comm_split(world.get(), world.rank() < P ? 0 : MPI_UNDEFINED, world.rank(), &sub);
    if (sub != MPI_COMM_NULL) {
      const sgc::dist::Comm comm(sub);
      for (auto m : {sgc::dist::PartitionMethod::Contiguous, sgc::dist::PartitionMethod::Metis}) {
        if (P == 1 && m == sgc::dist::PartitionMethod::Metis) continue;
        const sgc::dist::Partition p = sgc::dist::make_partition(m, d.adjacency, P);
        const int64_t cut = sgc::dist::cut_nonzeros(s, p);
        const std::vector<int32_t> ids = p.owned(comm.rank());
        const sgc::dist::DistProduct product(comm, sgc::dist::rows_of_rank(s, p, comm.rank(), p.new_ids()), p.bounds);
        sgc::DenseMatrix x = sgc::gather_rows(d.dense_features, ids), y;
        for (int h = 1; h <= hops; ++h) {
          const double exchange = product.exchange_seconds(sgc::view_of(x));
          comm.barrier();
          const sgc::dist::HopStats before = product.stats();
          sgc::Timer t;
          product.apply(sgc::view_of(x), y);
          const double hop = t.seconds();
          const sgc::dist::HopStats& after = product.stats();
          const double compute = (after.interior - before.interior) + (after.boundary - before.boundary);
          const double wait = after.wait - before.wait;
          const double bytes = double(after.bytes_sent - before.bytes_sent);
          double v[6][2];
          reduce(comm, double(product.halo_rows()), v[0][0], v[0][1]);
          reduce(comm, bytes, v[1][0], v[1][1]);
          reduce(comm, compute, v[2][0], v[2][1]);
          reduce(comm, exchange, v[3][0], v[3][1]);
          reduce(comm, wait, v[4][0], v[4][1]);
          reduce(comm, hop, v[5][0], v[5][1]);
          // Costs for the model: seconds per (non-zero x feature) of the
          // product, seconds per byte of the exchange (largest rank).
          if (P == 1 && h == hops) per_nnz = v[2][0] / (double(s.nnz()) * double(o.features));
          if (P > 1 && v[1][0] > 0) per_byte = std::max(per_byte, v[3][0] / v[1][0]);
          char hidden[16] = "-";  // nothing to hide on one rank
          if (v[1][0] > 0)
            std::snprintf(hidden, sizeof hidden, "%.0f%%", 100 * std::clamp(1.0 - v[4][0] / v[3][0], 0.0, 1.0));
          if (comm.rank() == 0)
            std::printf("%-3d %-10s %4d %12lld %10.0f %12.1f %10.4f %10.4f %10.4f %10.4f %8s\n", P,
                        sgc::dist::to_string(m).c_str(), h, (long long)cut, v[0][0], v[1][0] / 1e6, v[2][0],
                        v[3][0], v[4][0], v[5][0], hidden);
          std::swap(x, y);
        }
      }
      MPI_Comm_free(&sub);
    }
    world.barrier();
  }
  if (world.rank() == 0)
    std::printf("(max over ranks; hidden = 1 - waited / exchange alone)\nmodel inputs: %.3g s per non-zero x "
                "feature (1 rank), %.3g s per byte exchanged (shared-memory transport here)\n",
                per_nnz, per_byte);
  return 0;
}
