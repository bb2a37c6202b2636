// How the GPU head splits its gradient's sum over rows (gpu/head_split.h),
// checked in every build: the chunks cover the rows exactly, none is below the
// minimum, and a device gets about two a multiprocessor; and how the GPU
// path's on/off variables are read (gpu/env_switch.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "sgc/error.h"
#include "sgc/gpu/env_switch.h"
#include "sgc/gpu/head_split.h"

namespace sgc {
namespace {

// The one reading of the GPU path's on/off variables (gpu/env_switch.h).
TEST(EnvSwitch, OnlyZeroOrOneAndTheErrorNamesTheVariable) {
  for (const char* name : {"SGC_GPU_HEAD_SPLIT", "SGC_GPU_CUSPARSE", "SGC_GPU_WIDE_INDICES"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(parse_switch(name, nullptr));
    EXPECT_FALSE(parse_switch(name, ""));
    EXPECT_FALSE(parse_switch(name, "0"));
    EXPECT_TRUE(parse_switch(name, "1"));
    for (const char* bad : {"yes", "2", " 1", "true"}) {
      try {
        parse_switch(name, bad);
        ADD_FAILURE() << "accepted '" << bad << "'";
      } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      }
    }
  }
}

TEST(HeadSplit, ChunksCoverTheRowsExactly) {
  for (const int sms : {1, 8, 132}) {
    for (const int64_t rows : {int64_t(1), int64_t(2047), int64_t(2048), int64_t(5000), int64_t(153756),
                               int64_t(1) << 20, int64_t(111059956)}) {
      const HeadSplit s = split_head_rows(rows, sms);
      SCOPED_TRACE("rows " + std::to_string(rows) + ", multiprocessors " + std::to_string(sms));
      ASSERT_GE(s.chunks, 1);
      // The last chunk holds 1 to chunk_rows rows.
      EXPECT_GE(s.chunks * s.chunk_rows, rows);
      EXPECT_LT((s.chunks - 1) * s.chunk_rows, rows);
      if (rows < 2 * kMinHeadChunkRows) {
        EXPECT_EQ(s.chunks, 1);
        continue;
      }
      EXPECT_GE(s.chunk_rows, kMinHeadChunkRows);
      EXPECT_LE(s.chunks, 2 * sms);
      if (rows >= 2 * sms * kMinHeadChunkRows) EXPECT_EQ(s.chunks, 2 * sms);
    }
  }
  EXPECT_EQ(split_head_rows(153756, 0).chunks, 1);
}

}  // namespace
}  // namespace sgc
