// Plain edge lists, as SNAP, KONECT and many tools write them: one edge per
// line, "<src> <dst>" separated by spaces, tabs or a comma, in a text file or
// a gzip-compressed one (format/text_lines.h). Source of the layout: the SNAP
// data sets (e.g. snap.stanford.edu/data/soc-Slashdot0902.html: '#' header
// lines, then "FromNodeId\tToNodeId").
//
// Rules (shared/data/README.md section 8 describes the Slashdot file):
//  * blank lines and lines whose first non-blank character is '#' or '%' are
//    comments; CRLF and LF line ends both work;
//  * columns after the second (weights, timestamps) are ignored: the graph is
//    unweighted;
//  * every edge line has the same number of columns (an adjacency list, a
//    node and its neighbours per line, is refused rather than read as edges);
//  * node ids are decimal integers in [0, 2^31 - 2]; they are kept as given
//    and the graph has N = max id + 1 nodes, so ids that never occur are
//    isolated nodes (no renumbering, which keeps ids meaningful to the user;
//    load_dataset refuses N > 4 x edges + 65536, see check_implied_node_count);
//    a SNAP header comment "# Nodes: N ..." with N above max id + 1 makes it N
//    (isolated nodes after the largest id, as `sgc generate` writes them);
//  * self-loops and duplicate lines are allowed: the adjacency is the
//    undirected union (each pair once, unit weight; self-loops kept once).
// Errors name the file and line: "edges.txt:12: expected two node ids, found 1 field".
// A file whose first line is a Matrix Market banner ("%%MatrixMarket ...")
// is read as one (matrix_market.h: 1-based, with a size line), by any name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/graph/csr.h"
#include "sgc/io/format/text_lines.h"

namespace sgc {

struct EdgeList {
  int64_t num_nodes = 0;  // max id + 1, or a larger "# Nodes: N" header's N (0 for an empty list)
  std::vector<int32_t> src, dst;
};

// Reading checks the memory the edges will need against the budget as the
// list grows (sgc::ResourceError).
EdgeList read_edge_list(const std::string& path);
EdgeList read_edge_list(TextLines& in);

// A bare edge list's node count N = max id + 1 against its E edge lines: at
// most 2E ids can occur, so N > 4E + 65536 means the ids are not node numbers
// (an 11-byte file "0 16777215" would make 16.7M nodes): sgc::FormatError
// naming `source`; and the graph must fit the memory budget (ResourceError).
void check_implied_node_count(int64_t num_nodes, int64_t edges, const std::string& source);
// The memory part alone, for a node count the input declares (Matrix Market).
void require_graph_memory(int64_t num_nodes, int64_t edges, const std::string& source);

// The undirected graph of the edges: A[i][j] = A[j][i] = 1 for every listed
// pair (duplicates collapsed, self-loops kept once), num_nodes x num_nodes.
CsrMatrix undirected_adjacency(int64_t num_nodes, const std::vector<int32_t>& src, const std::vector<int32_t>& dst);

// The undirected unweighted graph of a square sparse matrix: (i, j) and
// (j, i) for every stored non-zero (i, j); explicit zeros are dropped.
CsrMatrix undirected_pattern(const CsrMatrix& a);

// Writes each undirected edge of a symmetric adjacency once (i <= j), as
// "i\tj\n" lines after '#' comment lines `header` (each without the '#').
// A path ending in ".gz" is gzip-compressed. Throws sgc::FileError on I/O errors.
void write_edge_list(const std::string& path, const CsrMatrix& adjacency, const std::vector<std::string>& header);

// Parses a decimal integer field; false if it is not one (or overflows).
bool parse_int64(std::string_view s, int64_t& out);

// Splits a line into fields separated by runs of spaces / tabs, or by single
// commas (CSV); returns the number of fields written to `fields` (at most max).
size_t split_fields(std::string_view line, std::string_view* fields, size_t max);

}  // namespace sgc
