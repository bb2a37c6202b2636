// Matrix Market coordinate files (.mtx, as SuiteSparse and NetworkRepository
// publish graphs), read as a graph: the square matrix's non-zero pattern,
// made undirected and unweighted as an edge list is (edge_list.h).
// Source of the format: NIST, "The Matrix Market Exchange Formats: Initial
// Design" (Boisvert, Pozo, Remington, 1996), math.nist.gov/MatrixMarket.
//
//   %%MatrixMarket matrix coordinate <real|integer|pattern|complex> <general|symmetric|skew-symmetric|hermitian>
//   % comment lines
//   M N NNZ
//   i j [value [imaginary]]      NNZ lines, 1-based row and column
//
// N = M nodes (so isolated nodes are kept); values are ignored (a symmetric
// file lists one triangle, which the undirected union completes). Refused,
// naming the file and line: the array (dense) layout, a matrix that is not
// square, an index outside 1..M, fewer or more entries than NNZ, and a size
// the memory budget cannot hold (checked before reserving).
#pragma once

#include <string_view>

#include "sgc/io/edge_list.h"
#include "sgc/io/format/text_lines.h"

namespace sgc {

// Whether `first_line` is a Matrix Market banner ("%%MatrixMarket", any case).
bool is_matrix_market_banner(std::string_view first_line);

// The rest of a Matrix Market file whose banner `banner` was the line just
// read from `in`: its entries as 0-based pairs, num_nodes = M.
EdgeList read_matrix_market(TextLines& in, std::string_view banner);

}  // namespace sgc
