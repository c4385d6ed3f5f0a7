// gpt_mini: forward pass of a tiny GPT-2 style transformer.
//
// Weights are generated deterministically from the seed in the input. The program
// runs a fixed token sequence through the model, one position at a time with a
// key/value cache (like a decoder at inference time), and keeps the logits of every
// position. Output: the logits, [ctx][vocab] little-endian float64.
#include "aiopt.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Config {
    int dim = 128, layers = 4, heads = 4, ctx = 16, vocab = 512, max_seq = 1024;
    uint64_t seed = 1;
};

struct Layer {
    std::vector<double> ln1_g, ln1_b;    // [dim]
    std::vector<double> w_qkv, b_qkv;    // [dim][3*dim], [3*dim]   (GPT-2 Conv1D layout: [in][out])
    std::vector<double> w_proj, b_proj;  // [dim][dim], [dim]
    std::vector<double> ln2_g, ln2_b;    // [dim]
    std::vector<double> w_fc, b_fc;      // [dim][4*dim], [4*dim]
    std::vector<double> w_out, b_out;    // [4*dim][dim], [dim]
};

struct Model {
    Config cfg;
    std::vector<double> wte;  // [vocab][dim], tied with the output projection
    std::vector<double> wpe;  // [max_seq][dim]
    std::vector<Layer> layers;
    std::vector<double> lnf_g, lnf_b;
    std::vector<int> tokens;  // [ctx]
    std::vector<double> key_cache, value_cache;  // [layers][max_seq][dim]
    std::vector<double> logits;                  // [ctx][vocab]
};

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// uniform in [-scale, scale), computed with exact integer arithmetic
std::vector<double> random_vec(uint64_t& s, size_t n, double scale) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; i++) {
        double u = (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
        v[i] = (2.0 * u - 1.0) * scale;
    }
    return v;
}

void parse_config(const unsigned char* input, size_t len, Config& c) {
    std::string text((const char*)input, len);
    size_t p = 0;
    while (p < text.size()) {
        size_t eq = text.find('=', p);
        if (eq == std::string::npos) break;
        size_t ks = text.find_last_of(" \t\r\n", eq);
        std::string key = text.substr(ks == std::string::npos || ks < p ? p : ks + 1,
                                      eq - (ks == std::string::npos || ks < p ? p : ks + 1));
        long long val = std::strtoll(text.c_str() + eq + 1, nullptr, 10);
        if (key == "dim") c.dim = (int)val;
        else if (key == "layers") c.layers = (int)val;
        else if (key == "heads") c.heads = (int)val;
        else if (key == "ctx") c.ctx = (int)val;
        else if (key == "vocab") c.vocab = (int)val;
        else if (key == "seed") c.seed = (uint64_t)val;
        p = eq + 1;
    }
}

// EVOLVE-BLOCK-START
// Known-better variant: all positions go through each layer together (weights are
// read once per layer instead of once per position), the linear layers walk W row by
// row (contiguous), buffers are allocated once and the cache is not cleared. Every
// output element still sums its terms in the same order as the initial program.
void layernorm(double* out, const double* x, const double* g, const double* b, int n) {
    double mean = 0.0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    double var = 0.0;
    for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= n;
    double inv = 1.0 / std::sqrt(var + 1e-5);
    for (int i = 0; i < n; i++) out[i] = (x[i] - mean) * inv * g[i] + b[i];
}

// out[t][j] = b[j] + sum_i in[t][i] * W[i][j]  for T rows, i ascending
void linear_batch(double* __restrict out, const double* __restrict in, const double* __restrict W,
                  const double* __restrict b, int T, int n_in, int n_out) {
    for (int t = 0; t < T; t++)
        for (int j = 0; j < n_out; j++) out[(size_t)t * n_out + j] = b[j];
    for (int i = 0; i < n_in; i++) {
        const double* w = W + (size_t)i * n_out;
        for (int t = 0; t < T; t++) {
            const double xi = in[(size_t)t * n_in + i];
            double* o = out + (size_t)t * n_out;
            for (int j = 0; j < n_out; j++) o[j] += xi * w[j];
        }
    }
}

double gelu(double x) {
    const double c = 0.7978845608028654;  // sqrt(2/pi)
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
}

void run_model(Model& m) {
    const Config& c = m.cfg;
    const int dim = c.dim, hd = dim / c.heads, hidden = 4 * dim, T = c.ctx;
    static thread_local std::vector<double> x, xb, tmp, qkv, att, hb, score;
    x.resize((size_t)T * dim); xb.resize((size_t)T * dim); tmp.resize((size_t)T * dim);
    qkv.resize((size_t)T * 3 * dim); att.resize((size_t)T * dim); hb.resize((size_t)T * hidden);
    score.resize(T);
    for (int t = 0; t < T; t++) {
        const int token = m.tokens[t];
        for (int i = 0; i < dim; i++)
            x[(size_t)t * dim + i] = m.wte[(size_t)token * dim + i] + m.wpe[(size_t)t * dim + i];
    }
    const double scale = 1.0 / std::sqrt((double)hd);
    for (int l = 0; l < c.layers; l++) {
        const Layer& L = m.layers[l];
        for (int t = 0; t < T; t++)
            layernorm(&xb[(size_t)t * dim], &x[(size_t)t * dim], L.ln1_g.data(), L.ln1_b.data(), dim);
        linear_batch(qkv.data(), xb.data(), L.w_qkv.data(), L.b_qkv.data(), T, dim, 3 * dim);
        for (int pos = 0; pos < T; pos++) {
            for (int h = 0; h < c.heads; h++) {
                const double* q = &qkv[(size_t)pos * 3 * dim + h * hd];
                double mx = -1e300;
                for (int t = 0; t <= pos; t++) {
                    const double* k = &qkv[(size_t)t * 3 * dim + dim + h * hd];
                    double s = 0.0;
                    for (int i = 0; i < hd; i++) s += q[i] * k[i];
                    score[t] = s * scale;
                    if (score[t] > mx) mx = score[t];
                }
                double sum = 0.0;
                for (int t = 0; t <= pos; t++) { score[t] = std::exp(score[t] - mx); sum += score[t]; }
                double* o = &att[(size_t)pos * dim + h * hd];
                for (int i = 0; i < hd; i++) o[i] = 0.0;
                for (int t = 0; t <= pos; t++) {
                    const double a = score[t] / sum;
                    const double* v = &qkv[(size_t)t * 3 * dim + 2 * dim + h * hd];
                    for (int i = 0; i < hd; i++) o[i] += a * v[i];
                }
            }
        }
        linear_batch(tmp.data(), att.data(), L.w_proj.data(), L.b_proj.data(), T, dim, dim);
        for (size_t i = 0; i < x.size(); i++) x[i] += tmp[i];
        for (int t = 0; t < T; t++)
            layernorm(&xb[(size_t)t * dim], &x[(size_t)t * dim], L.ln2_g.data(), L.ln2_b.data(), dim);
        linear_batch(hb.data(), xb.data(), L.w_fc.data(), L.b_fc.data(), T, dim, hidden);
        for (size_t i = 0; i < hb.size(); i++) hb[i] = gelu(hb[i]);
        linear_batch(tmp.data(), hb.data(), L.w_out.data(), L.b_out.data(), T, hidden, dim);
        for (size_t i = 0; i < x.size(); i++) x[i] += tmp[i];
    }
    for (int t = 0; t < T; t++) {
        layernorm(&xb[(size_t)t * dim], &x[(size_t)t * dim], m.lnf_g.data(), m.lnf_b.data(), dim);
        const double* xr = &xb[(size_t)t * dim];
        double* lg = &m.logits[(size_t)t * c.vocab];
        for (int v = 0; v < c.vocab; v++) {
            const double* e = &m.wte[(size_t)v * dim];
            double s = 0.0;
            for (int i = 0; i < dim; i++) s += xr[i] * e[i];
            lg[v] = s;
        }
    }
}
// EVOLVE-BLOCK-END

}  // namespace

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
    Model* m = new Model();
    Config& c = m->cfg;
    parse_config(input, len, c);
    if (c.ctx > c.max_seq) c.ctx = c.max_seq;
    uint64_t s = c.seed;
    const int dim = c.dim, hidden = 4 * dim;
    const double sd = 1.0 / std::sqrt((double)dim), sh = 1.0 / std::sqrt((double)hidden);
    m->wte = random_vec(s, (size_t)c.vocab * dim, 1.0);
    m->wpe = random_vec(s, (size_t)c.max_seq * dim, 0.5);
    for (int l = 0; l < c.layers; l++) {
        Layer L;
        L.ln1_g = random_vec(s, dim, 0.2); for (double& g : L.ln1_g) g += 1.0;
        L.ln1_b = random_vec(s, dim, 0.1);
        L.w_qkv = random_vec(s, (size_t)dim * 3 * dim, 2.0 * sd);
        L.b_qkv = random_vec(s, 3 * dim, 0.1);
        L.w_proj = random_vec(s, (size_t)dim * dim, sd);
        L.b_proj = random_vec(s, dim, 0.1);
        L.ln2_g = random_vec(s, dim, 0.2); for (double& g : L.ln2_g) g += 1.0;
        L.ln2_b = random_vec(s, dim, 0.1);
        L.w_fc = random_vec(s, (size_t)dim * hidden, 2.0 * sd);
        L.b_fc = random_vec(s, hidden, 0.1);
        L.w_out = random_vec(s, (size_t)hidden * dim, sh);
        L.b_out = random_vec(s, dim, 0.1);
        m->layers.push_back(std::move(L));
    }
    m->lnf_g = random_vec(s, dim, 0.2); for (double& g : m->lnf_g) g += 1.0;
    m->lnf_b = random_vec(s, dim, 0.1);
    m->tokens.resize(c.ctx);
    for (int i = 0; i < c.ctx; i++) m->tokens[i] = (int)(splitmix64(s) % (uint64_t)c.vocab);
    m->key_cache.assign((size_t)c.layers * c.max_seq * dim, 0.0);
    m->value_cache.assign((size_t)c.layers * c.max_seq * dim, 0.0);
    m->logits.assign((size_t)c.ctx * c.vocab, 0.0);
    return m;
}

extern "C" void aiopt_run(void* state) { run_model(*(Model*)state); }

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
    Model* m = (Model*)state;
    size_t need = m->logits.size() * sizeof(double);
    if (out && cap > 0) std::memcpy(out, m->logits.data(), need < cap ? need : cap);
    return need;
}

extern "C" void aiopt_fini(void* state) { delete (Model*)state; }
