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

// out[j] = b[j] + sum_i in[i] * W[i][j]      W is [n_in][n_out]
void linear(double* out, const double* in, const double* W, const double* b, int n_in, int n_out) {
    for (int j = 0; j < n_out; j++) {
        double s = b[j];
        for (int i = 0; i < n_in; i++) s += in[i] * W[(size_t)i * n_out + j];
        out[j] = s;
    }
}

double gelu(double x) {
    const double c = 0.7978845608028654;  // sqrt(2/pi)
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
}

void forward(Model& m, int token, int pos, double* logits) {
    const Config& c = m.cfg;
    const int dim = c.dim, hd = dim / c.heads, hidden = 4 * dim;
    std::vector<double> x(dim), xb(dim), tmp(dim), qkv(3 * dim), att(dim), hb(hidden);
    for (int i = 0; i < dim; i++) x[i] = m.wte[(size_t)token * dim + i] + m.wpe[(size_t)pos * dim + i];

    for (int l = 0; l < c.layers; l++) {
        const Layer& L = m.layers[l];
        double* kc = &m.key_cache[(size_t)l * c.max_seq * dim];
        double* vc = &m.value_cache[(size_t)l * c.max_seq * dim];

        layernorm(xb.data(), x.data(), L.ln1_g.data(), L.ln1_b.data(), dim);
        linear(qkv.data(), xb.data(), L.w_qkv.data(), L.b_qkv.data(), dim, 3 * dim);
        std::memcpy(kc + (size_t)pos * dim, &qkv[dim], dim * sizeof(double));
        std::memcpy(vc + (size_t)pos * dim, &qkv[2 * dim], dim * sizeof(double));

        const double scale = 1.0 / std::sqrt((double)hd);
        for (int h = 0; h < c.heads; h++) {
            const double* q = &qkv[h * hd];
            std::vector<double> score(pos + 1);
            double mx = -1e300;
            for (int t = 0; t <= pos; t++) {
                const double* k = kc + (size_t)t * dim + h * hd;
                double s = 0.0;
                for (int i = 0; i < hd; i++) s += q[i] * k[i];
                score[t] = s * scale;
                if (score[t] > mx) mx = score[t];
            }
            double sum = 0.0;
            for (int t = 0; t <= pos; t++) { score[t] = std::exp(score[t] - mx); sum += score[t]; }
            double* o = &att[h * hd];
            for (int i = 0; i < hd; i++) o[i] = 0.0;
            for (int t = 0; t <= pos; t++) {
                const double a = score[t] / sum;
                const double* v = vc + (size_t)t * dim + h * hd;
                for (int i = 0; i < hd; i++) o[i] += a * v[i];
            }
        }
        linear(tmp.data(), att.data(), L.w_proj.data(), L.b_proj.data(), dim, dim);
        for (int i = 0; i < dim; i++) x[i] += tmp[i];

        layernorm(xb.data(), x.data(), L.ln2_g.data(), L.ln2_b.data(), dim);
        linear(hb.data(), xb.data(), L.w_fc.data(), L.b_fc.data(), dim, hidden);
        for (int i = 0; i < hidden; i++) hb[i] = gelu(hb[i]);
        linear(tmp.data(), hb.data(), L.w_out.data(), L.b_out.data(), hidden, dim);
        for (int i = 0; i < dim; i++) x[i] += tmp[i];
    }

    layernorm(xb.data(), x.data(), m.lnf_g.data(), m.lnf_b.data(), dim);
    for (int v = 0; v < c.vocab; v++) {
        const double* e = &m.wte[(size_t)v * dim];
        double s = 0.0;
        for (int i = 0; i < dim; i++) s += xb[i] * e[i];
        logits[v] = s;
    }
}

void run_model(Model& m) {
    const Config& c = m.cfg;
    // start every sequence from an empty cache
    std::fill(m.key_cache.begin(), m.key_cache.end(), 0.0);
    std::fill(m.value_cache.begin(), m.value_cache.end(), 0.0);
    for (int pos = 0; pos < c.ctx; pos++)
        forward(m, m.tokens[pos], pos, &m.logits[(size_t)pos * c.vocab]);
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
