// perf-ninja lab core_bound/vectorization_1 (github.com/dendibakh/perf-ninja, CC BY 4.0,
// see ../NOTICE). THE EXPERT'S GOLDEN (branch golden). The lab's solution.cpp is verbatim in the EVOLVE block; its solution.hpp
// is above it. params: none. Input: K instances, each two collections of
// sequence_count_v sequences of sequence_size_v uint8 symbols. Output: per instance,
// sequence_count_v int16 alignment scores.
#include <array>   // std::array
#include <cstddef> // size_t
#include <cstdint> // fixed width types
#include <cstring>
#include <new>
#include <utility> // std::pair
#include <vector>  // std::vector

#include "aiopt.h"

// ---- solution.hpp ----
inline constexpr size_t sequence_size_v = 200; // The length of the generated sequences.
inline constexpr size_t sequence_count_v = 16; // The number of sequences to generate for both sequence collections.

using sequence_t = std::array<uint8_t, sequence_size_v>;
using result_t = std::array<int16_t, sequence_count_v>;

// EVOLVE-BLOCK-START
#include <algorithm>
#include <cassert>
#include <type_traits>

// Introduce a vector of scores.
using simd_score_t = std::array<int16_t, sequence_count_v>;
using simd_sequence_t = std::array<simd_score_t, sequence_size_v>;

// Transpose a collection of sequences to a sequence of simd vectors.
simd_sequence_t transpose(std::vector<sequence_t> const &sequences) {
  assert(sequences.size() == sequence_count_v);

  simd_sequence_t simd_sequence{};

  for (size_t i = 0; i < simd_sequence.size(); ++i)
    for (size_t j = 0; j < sequences.size(); ++j)
      simd_sequence[i][j] = sequences[j][i];

  return simd_sequence;
}

// The alignment algorithm which computes the alignment of the given sequence
// pairs.
result_t compute_alignment(std::vector<sequence_t> const &sequences1,
                           std::vector<sequence_t> const &sequences2) {
  result_t result{};

  // Transpose the sequences.
  auto trSeq1 = transpose(sequences1);
  auto trSeq2 = transpose(sequences2);

  using score_t = simd_score_t;
  using column_t = std::array<score_t, sequence_size_v + 1>;

  /*
    * Initialise score values.
    */
  score_t gap_open{};
  gap_open.fill(-11);
  score_t gap_extension{};
  gap_extension.fill(-1);
  score_t match{};
  match.fill(6);
  score_t mismatch{};
  mismatch.fill(-4);

  /*
    * Setup the matrix.
    * Note we can compute the entire matrix with just one column in memory,
    * since we are only interested in the last value of the last column in the
    * score matrix.
    */
  column_t score_column{};
  column_t horizontal_gap_column{};
  score_t last_vertical_gap{};

  /*
    * Initialise the first column of the matrix.
    */
  horizontal_gap_column[0] = gap_open;
  last_vertical_gap = gap_open;

  for (size_t i = 1; i < score_column.size(); ++i) {
    for (size_t k = 0; k < sequence_count_v; ++k) {
      score_column[i][k] = last_vertical_gap[k];
      horizontal_gap_column[i][k] = last_vertical_gap[k] + gap_open[k];
      last_vertical_gap[k] += gap_extension[k];
    }
  }

  /*
    * Compute the main recursion to fill the matrix.
    */
  for (unsigned col = 1; col <= trSeq2.size(); ++col) {
    score_t last_diagonal_score =
        score_column[0]; // Cache last diagonal score to compute this cell.
    for (size_t k = 0; k < sequence_count_v; ++k) {
      score_column[0][k] = horizontal_gap_column[0][k];
      last_vertical_gap[k] = horizontal_gap_column[0][k] + gap_open[k];
      horizontal_gap_column[0][k] += gap_extension[k];
    }

    for (unsigned row = 1; row <= trSeq1.size(); ++row) {
      // Compute next score from diagonal direction with match/mismatch.
      score_t best_cell_score = last_diagonal_score;
      for (size_t k = 0; k < sequence_count_v; ++k)
        best_cell_score[k] += (trSeq1[row - 1][k] == trSeq2[col - 1][k] ? match[k] : mismatch[k]);
      for (size_t k = 0; k < sequence_count_v; ++k) {
        // Determine best score from diagonal, vertical, or horizontal
        // direction.
        best_cell_score[k] = std::max(best_cell_score[k], last_vertical_gap[k]);
        best_cell_score[k] = std::max(best_cell_score[k], horizontal_gap_column[row][k]);
        // Cache next diagonal value and store optimum in score_column.
        last_diagonal_score[k] = score_column[row][k];
        score_column[row][k] = best_cell_score[k];
        // Compute the next values for vertical and horizontal gap.
        best_cell_score[k] += gap_open[k];
        last_vertical_gap[k] += gap_extension[k];
        horizontal_gap_column[row][k] += gap_extension[k];
        // Store optimum between gap open and gap extension.
        last_vertical_gap[k] = std::max(last_vertical_gap[k], best_cell_score[k]);
        horizontal_gap_column[row][k] =
            std::max(horizontal_gap_column[row][k], best_cell_score[k]);
      }
    }
  }

  // Report the best score.
  for (size_t k = 0; k < sequence_count_v; ++k)
    result[k] = score_column.back()[k];

  return result;
}
// EVOLVE-BLOCK-END

namespace {
struct State {
  std::vector<sequence_t> sequences1{sequence_count_v};
  std::vector<sequence_t> sequences2{sequence_count_v};
};
constexpr size_t kCollection = sequence_count_v * sequence_size_v;  // bytes
}  // namespace

extern "C" void* aiopt_init(const unsigned char*, size_t) { return new (std::nothrow) State; }

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  if (st == nullptr || input_len == 0 || input_len % (2 * kCollection) != 0) return 0;
  const size_t instances = input_len / (2 * kCollection);
  if (instances * sizeof(result_t) > out_cap) return out_cap + 1;
  for (size_t k = 0; k < instances; ++k) {
    const unsigned char* src = input + k * 2 * kCollection;
    std::memcpy(st->sequences1.data(), src, kCollection);
    std::memcpy(st->sequences2.data(), src + kCollection, kCollection);
    const result_t result = compute_alignment(st->sequences1, st->sequences2);
    std::memcpy(out + k * sizeof(result_t), result.data(), sizeof(result_t));
  }
  return instances * sizeof(result_t);
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
