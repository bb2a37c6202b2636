// The robustness suite: generated malformed inputs for every
// reader the command line accepts, and faults (a full disk, a kill during a
// write, Ctrl-C during a long run), each run through the built `sgc` command
// under a time limit (families split over robustness_readers_test.cc,
// robustness_inputs_test.cc and this file: model files, faults). For every case (robustness_util.h check_outcome):
//  * no crash, no hang (exit status < 128, not 124), peak memory within the
//    budget given with --memory-limit plus a margin;
//  * a non-zero exit with one `sgc: error:` line naming the file, or success
//    where the corrupted input is still valid;
//  * no control bytes or invalid UTF-8 echoed from the input.
// Families: Planetoid ind.* pickles (copies of the real Cora files), .npz
// files (heterophilous, graphdata, gnn-benchmark; real small files and
// generated ones), edge lists (text and gzip), OGB folders, FastGCN Reddit
// folders (written by `sgc generate`) and model files (`sgc train --save`).
// Corruptions: truncations at many offsets, bit flips, wrong dtypes and
// types, lying sizes (shapes and counts beyond the data), decompression
// bombs, control bytes, empty files, folders where files are expected.
// Runs with --epochs 2 --threads 2 --memory-limit 2G on small inputs.
#include <gtest/gtest.h>

#include "robustness_cases.h"

namespace sgc::robustness {

namespace {


std::vector<std::string> predict_with(const std::string& model) {
  std::vector<std::string> a{"predict", "--model", model};
  a.insert(a.end(), kSynthetic.begin(), kSynthetic.end());
  return a;
}

// The parts of a version-2 model file.
struct ModelParts {
  std::string magic_version;  // 8 + 4 bytes
  std::string header;
  std::string weights;
};

ModelParts split_model(const std::string& b) {
  ModelParts p;
  const uint32_t h = static_cast<uint8_t>(b[12]) | static_cast<uint8_t>(b[13]) << 8 | static_cast<uint8_t>(b[14]) << 16 |
                     static_cast<uint32_t>(static_cast<uint8_t>(b[15])) << 24;
  p.magic_version = b.substr(0, 12);
  p.header = b.substr(16, h);
  p.weights = b.substr(16 + h, b.size() - 16 - h - 4);
  return p;
}

std::string join_model(const ModelParts& p, bool fix_crc = true, int64_t header_len = -1) {
  std::string b = p.magic_version;
  put_le(b, header_len >= 0 ? static_cast<uint64_t>(header_len) : p.header.size(), 4);
  b += p.header + p.weights;
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size()));
  put_le(b, fix_crc ? crc : crc ^ 1, 4);
  return b;
}

// Edits the header JSON (a valid checksum is written: only the reader's
// field checks stand between the lie and the computation).
void edit_model(const std::string& path, const std::function<void(nlohmann::json&)>& f) {
  ModelParts p = split_model(read_file(path));
  nlohmann::json j = nlohmann::json::parse(p.header);
  f(j);
  p.header = j.dump();
  write_file(path, join_model(p));
}

// Sets every member named `key` anywhere in the JSON.
void set_everywhere(nlohmann::json& j, const std::string& key, const nlohmann::json& v) {
  if (j.is_object()) {
    for (auto& [k, val] : j.items()) {
      if (k == key) val = v;
      else set_everywhere(val, key, v);
    }
  } else if (j.is_array()) {
    for (auto& val : j) set_everywhere(val, key, v);
  }
}

std::vector<Case> model_cases_impl() {
  std::vector<Case> c;
  const std::string m = "model.sgcm";
  const auto args = predict_with("{W}/" + m);
  c.push_back({"pristine model", nullptr, args, valid()});
  // The checksum covers every byte: every truncation and every flip must be refused.
  std::vector<At> cuts, flips;
  for (int i = 0; i <= 40; ++i) cuts.push_back({i / 40.0, i == 40 ? -1 : 0});
  for (int i = 0; i < 48; ++i) flips.push_back({i / 48.0, i % 3});
  for (int i = 0; i < 16; ++i) flips.push_back({0, i});  // magic, version, header length
  add_truncations(c, m, args, fails_naming({m}), cuts);
  add_flips(c, m, args, fails_naming({m}), flips);
  add_missing_and_folder(c, m, args, fails_naming({m}));
  const auto edit = [&](const std::string& name, std::function<void(nlohmann::json&)> f, Expect e = Expect{}) {
    if (e.names.empty() && !e.must_succeed) e.names = {m};
    c.push_back({"model header: " + name, [m, f](const std::string& w) { edit_model(w + "/" + m, f); }, args, e});
  };
  edit("k = 1e9 (checksum fixed)", [](nlohmann::json& j) { set_everywhere(j, "k", 1000000000); });
  edit("k = -3", [](nlohmann::json& j) { set_everywhere(j, "k", -3); });
  edit("k = 2.5", [](nlohmann::json& j) { set_everywhere(j, "k", 2.5); });
  edit("k as a string with control bytes", [](nlohmann::json& j) { set_everywhere(j, "k", "\x1b]0;x\x07"); });
  edit("operator unknown, with control bytes", [](nlohmann::json& j) { set_everywhere(j, "op", "sgc\x1b[31m"); });
  edit("model unknown, with control bytes", [](nlohmann::json& j) { set_everywhere(j, "model", kTitle); });
  edit("norm unknown", [](nlohmann::json& j) { set_everywhere(j, "norm", "no_such_norm"); });
  edit("self_loop 1e308", [](nlohmann::json& j) { set_everywhere(j, "self_loop", 1e308); }, fails_naming({m, "self_loop"}));
  edit("operator as a number", [](nlohmann::json& j) { set_everywhere(j, "operator", 7); });
  edit("epochs -1 (unused by predict: may pass)", [](nlohmann::json& j) { set_everywhere(j, "epochs", -1); }, may_pass_naming({m}));
  edit("header says version 99, the file 2", [](nlohmann::json& j) { j["version"] = 99; });
  edit("format wrong", [](nlohmann::json& j) { j["format"] = "not-a-model"; });
  edit("weights count 2^40", [](nlohmann::json& j) { j["weights"] = int64_t{1} << 40; });
  edit("weights count -1", [](nlohmann::json& j) { j["weights"] = -1; });
  edit("dim 17 (data has 16 features)", [](nlohmann::json& j) { set_everywhere(j, "dim", 17); });
  edit("dim 2^31", [](nlohmann::json& j) { set_everywhere(j, "dim", int64_t{1} << 31); });
  edit("classes 2^31", [](nlohmann::json& j) { set_everywhere(j, "classes", int64_t{1} << 31); });
  edit("classes 0", [](nlohmann::json& j) { set_everywhere(j, "classes", 0); });
  edit("no config", [](nlohmann::json& j) { j.erase("config"); });
  edit("no state", [](nlohmann::json& j) { j.erase("state"); });
  edit("config is an array", [](nlohmann::json& j) { j["config"] = nlohmann::json::array({1, 2}); });
  edit("header is a number", [](nlohmann::json& j) { j = 42; });
  edit("heat with t = 1e6", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "heat";
    j["config"]["operator"]["t"] = 1e6;
  });
  edit("ppr with alpha \"nan\"", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "ppr";
    j["config"]["operator"]["alpha"] = "nan";
  });
  edit("dgc_naive with k = 100000", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "dgc_naive";
    j["config"]["operator"]["k"] = 100000;
  });
  edit("sign with k = 1000", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "sign";
    j["config"]["operator"]["k"] = 1000;
  });
  edit("training info with control bytes (harmless: never shown raw)",
       [](nlohmann::json& j) { j["training"] = {{"dataset", kTitle + kClear}}; }, may_pass_naming({m}));
  c.push_back({"model header: not JSON, with control bytes (checksum fixed)", [m](const std::string& w) {
                 ModelParts p = split_model(read_file(w + "/" + m));
                 p.header = "{\"config\": " + kTitle + "}";
                 write_file(w + "/" + m, join_model(p));
               }, args, fails_naming({m})});
  c.push_back({"model: header length 0xfffffff0", [m](const std::string& w) {
                 write_file(w + "/" + m, join_model(split_model(read_file(w + "/" + m)), true, 0xfffffff0LL));
               }, args, fails_naming({m})});
  c.push_back({"model: header length 0", [m](const std::string& w) {
                 write_file(w + "/" + m, join_model(split_model(read_file(w + "/" + m)), true, 0));
               }, args, fails_naming({m})});
  c.push_back({"model: weights appended (checksum fixed)", [m](const std::string& w) {
                 ModelParts p = split_model(read_file(w + "/" + m));
                 p.weights += std::string(64, '\0');
                 write_file(w + "/" + m, join_model(p));
               }, args, fails_naming({m})});
  c.push_back({"model: NaN weights (checksum fixed)", [m](const std::string& w) {
                 ModelParts p = split_model(read_file(w + "/" + m));
                 for (size_t i = 0; i + 4 <= p.weights.size(); i += 4) p.weights.replace(i, 4, std::string("\x00\x00\xc0\x7f", 4));
                 write_file(w + "/" + m, join_model(p));
               }, args, fails_naming({m})});
  c.push_back({"model: a text file", [m](const std::string& w) { write_file(w + "/" + m, "SGCMODEL is what I am\n" + kTitle); },
               args, fails_naming({m})});
  c.push_back({"model: an npz", [m](const std::string& w) { write_file(w + "/" + m, archive(gnn_members())); }, args,
               fails_naming({m})});
  return c;
}

TEST(Robustness, ModelFiles) {
  Scratch s;
  const std::string dir = s.path("model");
  fs::create_directories(dir);
  std::vector<std::string> train{cli(), "train", "--epochs", "2", "--save", dir + "/model.sgcm"};
  train.insert(train.end(), kSynthetic.begin(), kSynthetic.end());
  const Outcome o = run(train, s.path("train.log"), 60);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const size_t n = run_cases(dir, model_cases(), s);
  std::printf("[robustness] model files: %zu cases\n", n);
}

// The suite's size: at least 300 generated cases, so every reader family is covered many times over.
TEST(Robustness, AtLeast300Cases) {
  const size_t n = planetoid_cases().size() + npz_cases().size() + edge_list_cases().size() + ogb_cases().size() +
                   fastgcn_cases().size() + model_cases().size();
  std::printf("[robustness] %zu generated cases in all\n", n);
  EXPECT_GE(n, 300u);
}

// ================================================================== faults

// Runs `args` under a file-size limit of `blocks` 512-byte blocks with
// SIGXFSZ ignored, so writes beyond it fail with EFBIG (a full disk).
Outcome run_with_full_disk(const std::vector<std::string>& args, int blocks, const std::string& log) {
  std::vector<std::string> argv{"/bin/sh", "-c", "trap '' XFSZ; ulimit -f " + std::to_string(blocks) + "; exec \"$0\" \"$@\"", cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, log, 60);
}

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

struct FullDiskCase {
  std::string name;
  std::vector<std::string> args;  // {T} is the target
  std::string target;             // file name in the output folder
  int blocks;
};

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = s_.path("model.sgcm");
    std::vector<std::string> train{cli(), "train", "--epochs", "2", "--save", model_};
    train.insert(train.end(), kSynthetic.begin(), kSynthetic.end());
    const Outcome o = run(train, s_.path("train.log"), 60);
    ASSERT_EQ(o.exit_code, 0) << o.output;
  }

  // With and without an existing file at the target.
  void check(const FullDiskCase& fc) {
    for (bool existing : {false, true}) {
      SCOPED_TRACE(fc.name + (existing ? " (over an existing file)" : " (new file)"));
      const std::string out = s_.path("out");
      std::error_code ec;
      fs::remove_all(out, ec);
      fs::create_directories(out);
      const std::string target = out + "/" + fc.target;
      const std::string before = "the previous version, which must survive\n";
      if (existing) write_file(target, before);
      std::vector<std::string> args;
      for (std::string a : fc.args) {
        if (a == "{T}") a = target;
        if (a == "{M}") a = model_;
        args.push_back(a);
      }
      const Outcome o = run_with_full_disk(args, fc.blocks, s_.path("fault.log"));
      check_outcome(fc.name, o, fails_naming({fc.target}));
      EXPECT_NE(o.exit_code, 0) << "a failed write reported success: " << visible(o.output);
      if (existing) {
        EXPECT_EQ(read_file(target), before) << "the existing file was changed or destroyed";
      } else {
        EXPECT_FALSE(fs::exists(target)) << "a partial file was left at the target (" << fs::file_size(target, ec) << " bytes)";
      }
      const std::set<std::string> want = existing ? std::set<std::string>{fc.target} : std::set<std::string>{};
      EXPECT_EQ(listing(out), want) << "temporary files were left in the output folder";
    }
  }

  Scratch s_;
  std::string model_;
};

TEST_F(FullDisk, TrainSave) {
  // 2000 features x 3 classes: a ~24 KB model against a 4 KiB limit.
  check({"train --save", {"train", "--epochs", "2", "--nodes", "2000", "--features", "2000", "--classes", "3", "--threads",
                          "2", "--memory-limit", "2G", "--save", "{T}"},
         "model.sgcm", 8});
}

TEST_F(FullDisk, PredictOut) {
  // 3000 nodes: a ~25 KB CSV against a 4 KiB limit.
  check({"predict --out", {"predict", "--model", "{M}", "--nodes", "3000", "--features", "16", "--classes", "3",
                           "--threads", "2", "--memory-limit", "2G", "--out", "{T}"},
         "pred.csv", 8});
}

TEST_F(FullDisk, SweepPlot) {
  check({"sweep --plot", {"sweep", "--ops", "sgc", "--ks", "1,2", "--epochs", "2", "--nodes", "2000", "--features", "16",
                          "--classes", "3", "--threads", "2", "--memory-limit", "2G", "--plot", "{T}"},
         "plot.svg", 1});
}

TEST(Faults, SweepPngKeepsAnExistingSvg) {
  // `sweep --plot X.png` must not delete an X.png.svg it did not create, whether or not it can render PNG.
  Scratch s;
  const std::string out = s.path("o");
  fs::create_directories(out);
  write_file(out + "/X.png.svg", "mine\n");
  const Outcome o = run({cli(), "sweep", "--ops", "sgc", "--ks", "1", "--epochs", "2", "--nodes", "2000", "--features", "8",
                         "--classes", "3", "--threads", "2", "--plot", out + "/X.png"},
                        s.path("log"), 60);
  EXPECT_LT(o.exit_code, 128) << o.output;
  EXPECT_EQ(read_file(out + "/X.png.svg"), "mine\n") << "an existing file was deleted or changed";
}

// A kill at any moment of `train --save` leaves the target absent or the
// previous version intact, or a complete new model (predict accepts it).
TEST(Faults, SigkillDuringTrainSave) {
  Scratch s;
  const std::string target = s.path("model.sgcm"), log = s.path("log");
  std::vector<std::string> train{cli(), "train", "--epochs", "200", "--nodes", "3000", "--features", "300", "--classes",
                                 "5", "--threads", "2", "--memory-limit", "2G", "--save", target};
  // How long a full run takes (the kills are spread over it).
  const Outcome full = run(train, log, 120);
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const std::string good = read_file(target);
  const std::string before = "the previous version\n";
  int kills = 0;
  for (int i = 1; i <= 10; ++i) {
    for (bool existing : {false, true}) {
      std::error_code ec;
      fs::remove(target, ec);
      if (existing) write_file(target, before);
      const double delay = full.seconds * i / 10.0;
      const pid_t pid = spawn(train, log);
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      kill(-pid, SIGKILL);
      const int code = wait_for(pid, 30);
      kills += code == 128 + SIGKILL;
      SCOPED_TRACE("SIGKILL after " + std::to_string(delay) + " s" + (existing ? ", over an existing file" : ""));
      if (!fs::exists(target)) {
        EXPECT_FALSE(existing) << "the existing file was deleted";
        continue;
      }
      const std::string now = read_file(target);
      if (existing && now == before) continue;
      // Otherwise it must be a complete model.
      EXPECT_EQ(now.size(), good.size()) << "a partial model was left at the target";
      std::vector<std::string> predict{cli(), "predict", "--model", target, "--nodes", "3000", "--features", "300",
                                       "--classes", "5", "--threads", "2"};
      const Outcome p = run(predict, s.path("p.log"), 60);
      EXPECT_EQ(p.exit_code, 0) << "the model at the target does not load: " << visible(p.output);
    }
  }
  EXPECT_GT(kills, 0) << "no run was still going when killed (the runs are too short)";
}

// Ctrl-C during a long run: exit 130 promptly, the target untouched.
TEST(Faults, SigintStopsALongRun) {
  Scratch s;
  const std::string target = s.path("model.sgcm"), log = s.path("log");
  const std::string before = "the previous version\n";
  write_file(target, before);
  std::vector<std::string> train{cli(), "train", "--epochs", "10000000", "--nodes", "2000", "--features", "64",
                                 "--classes", "4", "--threads", "2", "--memory-limit", "2G", "--save", target};
  const pid_t pid = spawn(train, log);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const auto t0 = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  bool timed_out = false;
  const int code = wait_for(pid, 20, &timed_out);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string out = read_file(log);
  EXPECT_FALSE(timed_out) << "SIGINT did not stop the run within 20 s";
  EXPECT_EQ(code, 130) << visible(out);
  EXPECT_LT(took, 5.0) << "SIGINT took " << took << " s to stop the run";
  EXPECT_EQ(first_unsafe_byte(out), std::string::npos) << visible(out);
  EXPECT_EQ(read_file(target), before) << "the existing model was changed";
  EXPECT_EQ(listing(s.path("")).count("model.sgcm"), 1u);
  for (const std::string& name : listing(s.path("")))
    EXPECT_TRUE(name == "model.sgcm" || name == "log") << "left behind: " << name;
}

// Starts `sgc args...`, sends `signal` after `after_ms`, and expects it to
// stop with status 130 within `within_s`.
void expect_signal_stops(const std::vector<std::string>& args, const std::string& log, int signal, int after_ms,
                         double within_s) {
  std::vector<std::string> argv{cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = spawn(argv, log);
  std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
  kill(pid, signal);
  bool timed_out = false;
  const int code = wait_for(pid, within_s, &timed_out);
  EXPECT_FALSE(timed_out) << "signal " << signal << " did not stop `sgc " << args[0] << "` within " << within_s << " s";
  EXPECT_EQ(code, 130) << visible(read_file(log));
}

// A second Ctrl-C during a long sweep and tune stops them too.
TEST(Faults, SigintStopsTuneAndSweep) {
  Scratch s;
  const std::string log = s.path("log");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tune", "--trials", "100000", "--epochs", "50", "--nodes", "2000", "--features", "64",
                                 "--classes", "4", "--threads", "2"},
        std::vector<std::string>{"sweep", "--ops", "sgc", "--ks", "1,2,4,8,16,32,64", "--epochs", "10000000", "--nodes",
                                 "2000", "--features", "64", "--classes", "4", "--threads", "2"}}) {
    SCOPED_TRACE(args[0]);
    expect_signal_stops(args, log, SIGINT, 2000, 20);
  }
}

// A model file that is a FIFO without a writer: Ctrl-C ends the wait with
// 130, as for every other input (it was "cannot open", exit 1).
TEST(Faults, SigintWhileTheModelFileWaitsForAWriterExits130) {
  Scratch s;
  const std::string fifo = s.path("model.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_signal_stops({"predict", "--model", fifo, "--nodes", "2000", "--threads", "1"}, s.path("log"), SIGINT, 1000,
                      20);
}

// Ctrl-C during generate and partition (they exited 0 with whole files, the
// signal unread): 130, and no file of theirs left in the output folder. The
// same for SIGTERM, which is how mpirun hands Ctrl-C to its ranks.
TEST(Faults, SigintAndSigtermStopGenerateAndPartitionWithoutFiles) {
  Scratch s;
  const std::string log = s.path("log"), out = s.path("out");
  for (const int signal : {SIGINT, SIGTERM}) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"generate", "--format", "edgelist", "--gzip", "--threads", "1", "--out", out},
          std::vector<std::string>{"partition", "--generator", "powerlaw", "--nodes", "300000", "--parts", "2",
                                   "--threads", "1", "--out", out}}) {
      SCOPED_TRACE(args[0] + (signal == SIGINT ? " SIGINT" : " SIGTERM"));
      std::filesystem::create_directories(out);
      expect_signal_stops(args, log, signal, 1500, 30);
      for (const std::string& name : listing(out)) ADD_FAILURE() << "left behind: " << name;
      std::filesystem::remove_all(out);
    }
  }
}

}  // namespace

std::vector<Case> model_cases() { return model_cases_impl(); }


}  // namespace sgc::robustness
