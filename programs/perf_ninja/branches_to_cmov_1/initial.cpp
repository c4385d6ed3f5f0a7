// perf-ninja lab bad_speculation/branches_to_cmov_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.hpp (smaller grids here: see
// NOTES.md) and solution.cpp are verbatim in the EVOLVE block. params: none.
// Input: NumberOfGrids grids of GridXDimension x GridYDimension cells, one uint8 (0 or
// 1) per cell, row-major. Output: one int32 population count per grid.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "aiopt.h"

// EVOLVE-BLOCK-START
#include <vector>
#include <iostream>

constexpr int NumberOfGrids = 2;
constexpr int GridXDimension = 256;
constexpr int GridYDimension = 256;
constexpr int NumberOfSims = 10;

class Life {

public:
    using Grid = std::vector<std::vector<int>>;
private:    
    Grid current;
    Grid future;

public:

    void reset(const Grid& grid) {
        current = future = grid;
    }

    int getPopulationCount() {
        int populationCount = 0;
        for (auto& row: current)
            for (auto& item: row)
                populationCount += item;
        return populationCount;
    }

    void printCurrentGrid() {
        for (auto& row: current) {
            for (auto& item: row)
                item ? std::cout << "x " : std::cout << ". ";
            std::cout << "\n";
        }
        std::cout << "\n";
    }    

    // Simulate the next generation of life
    void simulateNext() {
        //printCurrentGrid();
        int M = current.size();
        int N = current[0].size();
        
        // Loop through every cell
        for(int i = 0; i < M; i++) {
            for(int j = 0; j < N; j++) {
                int aliveNeighbours = 0;      
                // finding the number of neighbours that are alive                  
                for(int p = -1; p <= 1; p++) {              // row-offet (-1,0,1)
                    for(int q = -1; q <= 1; q++) {          // col-offset (-1,0,1)
                        if((i + p < 0) ||                   // if row offset less than UPPER boundary
                           (i + p > M - 1) ||               // if row offset more than LOWER boundary
                           (j + q < 0) ||                   // if column offset less than LEFT boundary
                           (j + q > N - 1))                 // if column offset more than RIGHT boundary
                            continue;
                        aliveNeighbours += current[i + p][j + q];
                    }
                }
                // The cell needs to be subtracted from
                // its neighbours as it was counted before
                aliveNeighbours -= current[i][j];

                // Implementing the Rules of Life:
                switch(aliveNeighbours) {
                    // 1. Cell is lonely and dies
                    case 0:
                    case 1:
                        future[i][j] = 0;
                        break;                   
                    // 2. Remains the same
                    case 2:
                        future[i][j] = current[i][j];
                        break;
                    // 3. A new cell is born
                    case 3:
                        future[i][j] = 1;
                        break;
                    // 4. Cell dies due to over population
                    default:
                        future[i][j] = 0;
                }
            }
        }
        std::swap(current, future);
    }
};

// Simulates N steps of the game for each starting grid 
// and return population count
std::vector<int> solution(const std::vector<Life::Grid>& grids);


// Simulates N steps of the game for each starting grid 
// and return population count
std::vector<int> solution(const std::vector<Life::Grid>& grids) {
  std::vector<int> popCounts;
  popCounts.reserve(grids.size());

  Life life;
  for (auto& grid : grids) {
    life.reset(grid);
    for (int i = 0; i < NumberOfSims; i++)
      life.simulateNext();
    popCounts.push_back(life.getPopulationCount());
  }

  return popCounts;
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  auto* grids = new (std::nothrow) std::vector<Life::Grid>(NumberOfGrids);
  if (grids == nullptr) return nullptr;
  for (auto& grid : *grids)
    grid.assign(GridXDimension, std::vector<int>(GridYDimension, 0));
  return grids;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* grids = static_cast<std::vector<Life::Grid>*>(state);
  constexpr size_t cells = size_t{GridXDimension} * GridYDimension;
  if (grids == nullptr || input_len != NumberOfGrids * cells) return 0;
  if (out_cap < NumberOfGrids * sizeof(int32_t)) return out_cap + 1;
  const unsigned char* cell = input;
  for (auto& grid : *grids)
    for (auto& row : grid)
      for (auto& item : row) item = *cell++ != 0;
  const std::vector<int> counts = solution(*grids);
  if (counts.size() != NumberOfGrids) return 0;
  for (size_t g = 0; g < counts.size(); ++g) {
    const int32_t count = counts[g];
    std::memcpy(out + g * sizeof count, &count, sizeof count);
  }
  return NumberOfGrids * sizeof(int32_t);
}

extern "C" void aiopt_fini(void* state) { delete static_cast<std::vector<Life::Grid>*>(state); }
