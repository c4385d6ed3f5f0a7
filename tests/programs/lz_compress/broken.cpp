// LZ77 compressor (LZ4-like sequence format) with a hash-chain match finder.
//
// Input file: "size=<bytes> seed=<n>". aiopt_init generates a compressible buffer
// (text-like word stream with repeated phrases and bursts of random noise);
// aiopt_run compresses it; aiopt_output returns the compressed bytes.
//
// Format: 4-byte little-endian original size, then sequences. Each sequence is
//   token (high nibble: literal count, low nibble: match length - 4),
//   extra literal-count bytes if the nibble is 15 (255 = continue),
//   the literals, then (unless this is the final literal-only sequence)
//   a 2-byte little-endian offset (1..65535) and extra match-length bytes.
#include "aiopt.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t param(const std::string& text, const char* key, uint64_t def) {
    size_t p = text.find(key);
    if (p == std::string::npos) return def;
    return std::strtoull(text.c_str() + p + std::strlen(key), nullptr, 10);
}

// Text-like data: words drawn from a skewed vocabulary, sometimes a copy of an
// earlier phrase, sometimes a short run of random bytes.
std::vector<uint8_t> generate(size_t size, uint64_t seed) {
    std::vector<std::string> vocab;
    for (int i = 0; i < 2000; ++i) {
        std::string w;
        int len = 2 + (int)(splitmix64(seed) % 9);
        for (int j = 0; j < len; ++j) w += (char)('a' + splitmix64(seed) % 26);
        vocab.push_back(w);
    }
    std::vector<uint8_t> out;
    out.reserve(size + 4096);
    while (out.size() < size) {
        uint64_t r = splitmix64(seed) % 100;
        if (r < 8 && out.size() > 1000) {  // repeat an earlier phrase
            size_t len = 8 + splitmix64(seed) % 120;
            size_t back = 1 + splitmix64(seed) % (out.size() < 60000 ? out.size() : 60000);
            size_t from = out.size() - back;
            for (size_t i = 0; i < len; ++i) out.push_back(out[from + i]);
        } else if (r < 10) {  // noise burst
            size_t len = 4 + splitmix64(seed) % 60;
            for (size_t i = 0; i < len; ++i) out.push_back((uint8_t)splitmix64(seed));
        } else {  // a word; skewed towards the start of the vocabulary
            uint64_t a = splitmix64(seed) % vocab.size();
            uint64_t b = splitmix64(seed) % (a + 1);
            const std::string& w = vocab[b];
            out.insert(out.end(), w.begin(), w.end());
            uint64_t p = splitmix64(seed) % 16;
            out.push_back(p == 0 ? '.' : p == 1 ? ',' : p == 2 ? '\n' : ' ');
        }
    }
    out.resize(size);
    return out;
}

struct State {
    std::vector<uint8_t> input;
    std::vector<uint8_t> output;
    std::vector<int32_t> head;
    std::vector<int32_t> prev;
};

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
    if (ml > 15) put_length(out, ml - 15);
}

void compress(State* s) {
    const uint8_t* src = s->input.data();
    const size_t n = s->input.size();
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

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
    std::string text(reinterpret_cast<const char*>(input), len);
    State* s = new State;
    s->input = generate(param(text, "size=", 1 << 20), param(text, "seed=", 1));
    s->output.reserve(s->input.size() + s->input.size() / 64 + 64);
    return s;
}

extern "C" void aiopt_run(void* state) { compress(static_cast<State*>(state)); }

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
    const std::vector<uint8_t>& r = static_cast<State*>(state)->output;
    if (out && cap) std::memcpy(out, r.data(), r.size() < cap ? r.size() : cap);
    return r.size();
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
