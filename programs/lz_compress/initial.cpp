// LZ77 compressor (LZ4-like sequence format) with a hash-chain match finder.
//
// params: 4-byte little-endian nominal input size (aiopt_init reserves scratch for it).
// input:  the bytes to compress: a text-like word stream with repeated phrases and
//         bursts of random noise (any length below 2^32 is accepted).
// output: the compressed stream, in this format:
//
// 4-byte little-endian original size, then sequences. Each sequence is
//   token (high nibble: literal count, low nibble: match length - 4),
//   extra literal-count bytes if the nibble is 15 (255 = continue),
//   the literals, then (unless this is the final literal-only sequence)
//   a 2-byte little-endian offset (1..65535) and extra match-length bytes.
#include "aiopt.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

struct State {
    std::vector<uint8_t> output;
    std::vector<int32_t> head;
    std::vector<int32_t> prev;
};

uint32_t read_u32le(const unsigned char* p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// Compresses src[0, n) into s->output (defined in the evolve block below).
void compress(State* s, const uint8_t* src, size_t n);

}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
    State* s = new State;
    size_t nominal = params_len >= 4 ? read_u32le(params) : 0;
    s->output.reserve(nominal + nominal / 64 + 64);
    return s;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
    if (input_len > 0xFFFFFFFFu) return 0;  // the header holds the size in 4 bytes
    State* s = static_cast<State*>(state);
    compress(s, input, input_len);
    const std::vector<uint8_t>& r = s->output;
    if (r.size() <= out_cap) std::memcpy(out, r.data(), r.size());
    return r.size();  // more than out_cap: an error the harness reports
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }

namespace {

// EVOLVE-BLOCK-START
constexpr int kHashBits = 16;
constexpr uint32_t kWindow = 1u << 16;      // offsets 1..65535
constexpr int kMinMatch = 4;
constexpr int kMaxMatch = 4096;
constexpr int kMaxTries = 24;               // real match attempts per position

inline uint32_t load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// Knuth multiplicative hash of the next four bytes.
inline uint32_t hash4(uint32_t v) {
    return (v * 2654435761u) & ((1u << kHashBits) - 1);
}

void put_length(std::vector<uint8_t>& out, size_t n) {
    while (n >= 255) {
        out.push_back(255);
        n -= 255;
    }
    out.push_back((uint8_t)n);
}

void emit(std::vector<uint8_t>& out, const uint8_t* lit, size_t nlit, uint32_t offset, size_t mlen) {
    size_t ml = mlen ? mlen - kMinMatch : 0;
    uint8_t token = (uint8_t)((nlit < 15 ? nlit : 15) << 4 | (ml < 15 ? ml : 15));
    out.push_back(token);
    if (nlit >= 15) put_length(out, nlit - 15);
    out.insert(out.end(), lit, lit + nlit);
    if (mlen == 0) return;
    out.push_back((uint8_t)(offset & 0xFF));
    out.push_back((uint8_t)(offset >> 8));
    if (ml >= 15) put_length(out, ml - 15);
}

void compress(State* s, const uint8_t* src, const size_t n) {
    std::vector<uint8_t>& out = s->output;
    std::vector<int32_t>& head = s->head;
    std::vector<int32_t>& prev = s->prev;
    out.clear();
    for (int i = 0; i < 4; ++i) out.push_back((uint8_t)(n >> (8 * i)));
    head.assign(size_t(1) << kHashBits, -1);
    prev.assign(kWindow, -1);

    auto insert = [&](size_t p) {
        uint32_t h = hash4(load32(src + p));
        prev[p & (kWindow - 1)] = head[h];
        head[h] = (int32_t)p;
    };

    size_t pos = 0, anchor = 0;
    while (pos + kMinMatch <= n) {
        const uint32_t cur = load32(src + pos);
        const size_t limit = n - pos < (size_t)kMaxMatch ? n - pos : (size_t)kMaxMatch;
        size_t best_len = 0, best_off = 0;
        int tries = 0;
        for (int32_t c = head[hash4(cur)]; c >= 0 && pos - c < kWindow && tries < kMaxTries;
             c = prev[c & (kWindow - 1)]) {
            if (load32(src + c) != cur) continue;  // hash collision
            ++tries;
            size_t len = kMinMatch;
            while (len < limit && src[c + len] == src[pos + len]) ++len;
            if (len > best_len) {
                best_len = len;
                best_off = pos - c;
                if (len == limit) break;
            }
        }
        if (best_len >= (size_t)kMinMatch) {
            emit(out, src + anchor, pos - anchor, (uint32_t)best_off, best_len);
            size_t end = pos + best_len;
            for (; pos < end && pos + kMinMatch <= n; ++pos) insert(pos);
            pos = end;
            anchor = pos;
        } else {
            insert(pos);
            ++pos;
        }
    }
    emit(out, src + anchor, n - anchor, 0, 0);
}
// EVOLVE-BLOCK-END

}  // namespace
