// gpt_mini: forward pass of a tiny GPT-2 style transformer.
//
// The model config and weights are the task's fixed parameters (aiopt_init); every
// aiopt_run gets a token sequence and runs it through the model one position at a time
// with a key/value cache (like a decoder at inference time), keeping the logits of every
// position. Output: the logits, [ctx][vocab] little-endian float64.
#include "aiopt.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Config {
    int dim = 128, layers = 4, heads = 4, ctx = 16, vocab = 512, max_seq = 1024;
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
    std::vector<int> tokens;  // [ctx], from the input of each run
    std::vector<double> key_cache, value_cache;  // [layers][max_seq][dim]
    std::vector<double> logits;                  // [ctx][vocab]
};

// Reads the parameter blob (layout in NOTES.md): a little-endian uint32 header, then
// float64 arrays. Any short read marks the blob as malformed.
struct Reader {
    const unsigned char* p;
    size_t left;
    bool ok = true;

    uint32_t u32() {
        if (left < 4) { ok = false; return 0; }
        uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
        p += 4; left -= 4;
        return v;
    }

    std::vector<double> f64(size_t n) {
        if (n > left / sizeof(double)) { ok = false; return {}; }
        std::vector<double> v(n);
        std::memcpy(v.data(), p, n * sizeof(double));  // the host is little-endian
        p += n * sizeof(double); left -= n * sizeof(double);
        return v;
    }
};

// Copies the input token ids (ctx little-endian uint32, see NOTES.md) into m.tokens.
// False if the input is malformed (wrong length, or a token id >= vocab); aiopt_run
// then returns an empty output.
bool read_tokens(Model& m, const unsigned char* in, size_t len) {
    const Config& c = m.cfg;
    if (len != (size_t)c.ctx * 4) return false;
    for (int i = 0; i < c.ctx; i++, in += 4) {
        uint32_t t = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
                     (uint32_t)in[3] << 24;
        if (t >= (uint32_t)c.vocab) return false;
        m.tokens[i] = (int)t;
    }
    return true;
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

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
    Reader r{params, params_len};
    Model* m = new Model();
    Config& c = m->cfg;
    c.dim = (int)r.u32(); c.layers = (int)r.u32(); c.heads = (int)r.u32();
    c.ctx = (int)r.u32(); c.vocab = (int)r.u32(); c.max_seq = (int)r.u32();
    if (!r.ok || c.dim <= 0 || c.dim > 4096 || c.layers <= 0 || c.layers > 64 || c.heads <= 0 ||
        c.dim % c.heads != 0 || c.ctx <= 0 || c.ctx > c.max_seq || c.max_seq > 65536 ||
        c.vocab <= 0 || c.vocab > 1 << 20) {
        delete m;
        return nullptr;
    }
    const int dim = c.dim, hidden = 4 * dim;
    m->wte = r.f64((size_t)c.vocab * dim);
    m->wpe = r.f64((size_t)c.max_seq * dim);
    for (int l = 0; l < c.layers && r.ok; l++) {
        Layer L;
        L.ln1_g = r.f64(dim);
        L.ln1_b = r.f64(dim);
        L.w_qkv = r.f64((size_t)dim * 3 * dim);
        L.b_qkv = r.f64(3 * dim);
        L.w_proj = r.f64((size_t)dim * dim);
        L.b_proj = r.f64(dim);
        L.ln2_g = r.f64(dim);
        L.ln2_b = r.f64(dim);
        L.w_fc = r.f64((size_t)dim * hidden);
        L.b_fc = r.f64(hidden);
        L.w_out = r.f64((size_t)hidden * dim);
        L.b_out = r.f64(dim);
        m->layers.push_back(std::move(L));
    }
    m->lnf_g = r.f64(dim);
    m->lnf_b = r.f64(dim);
    if (!r.ok || r.left != 0) {
        delete m;
        return nullptr;
    }
    m->tokens.assign(c.ctx, 0);
    m->key_cache.assign((size_t)c.layers * c.max_seq * dim, 0.0);
    m->value_cache.assign((size_t)c.layers * c.max_seq * dim, 0.0);
    m->logits.assign((size_t)c.ctx * c.vocab, 0.0);
    return m;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
    Model* m = (Model*)state;
    if (!m || !read_tokens(*m, input, input_len)) return 0;  // malformed: empty output
    run_model(*m);
    size_t need = m->logits.size() * sizeof(double);
    if (need <= out_cap) std::memcpy(out, m->logits.data(), need);
    return need;
}

extern "C" void aiopt_fini(void* state) { delete (Model*)state; }
