// Deliberately broken particles: explicit instead of symplectic Euler.
//
// n particles live in one array of Particle records (the record also carries the
// bookkeeping a simulation/editor keeps per particle: label, material, colour, tick
// stamps, a trail for rendering). Particles are tied to other particles by springs. One
// run loads the scene from the input (n records), advances it `steps` time steps with
// symplectic Euler (spring + damping + gravity + floor), and reports the energies and a
// sample of the final positions. Output: little-endian float64 array
//   [kinetic, potential, x0, y0, z0, x8, y8, z8, ...]  (every 8th particle).
#include "aiopt.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

const int MAX_BONDS = 12;

struct Particle {
    uint64_t id;
    char name[24];
    char material[16];
    double pos[3];
    double vel[3];
    double force[3];
    double mass;
    double radius;
    float color[4];
    uint32_t flags;
    int32_t group;
    int64_t created_tick;
    int64_t last_contact_tick;
    int nbonds;
    int bond[MAX_BONDS];          // indices of the particles this one is tied to
    double rest[MAX_BONDS];       // rest length of each spring
    double trail[8][3];           // recent positions, for drawing
    char notes[48];
};

struct Sim {
    int n = 0, steps = 0;
    double dt = 0.0, stiffness = 0.0, damping = 0.0, gravity = 0.0;
    std::vector<Particle> parts;    // the scene being simulated
    std::vector<Particle> staging;  // an aligned copy of the input, if it is misaligned
    std::vector<double> result;
};
// One input record is one Particle, byte for byte (little-endian, 568 bytes).
static_assert(sizeof(Particle) == 568, "a Particle is one 568-byte input record");

// Little-endian readers for the params.
uint32_t read_u32(const unsigned char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
double read_f64(const unsigned char* p) {
    double v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// EVOLVE-BLOCK-START
// BROKEN variant: the hot/cold split of the known-better variant, but the integrator
// moves the particle with the old velocity before updating it (explicit instead of
// symplectic Euler), so the results drift slightly from the reference.
// Hot/cold split as in the known-better variant: at the start of each run the fields the
// time step touches are copied from the input records into compact arrays.
struct Hot { double pos[3]; double vel[3]; };

struct Compact {
    std::vector<Hot> hot0, hot;
    std::vector<double> force, mass, radius, rest;
    std::vector<int> nb, bond;
};

// Rebuilt on every run from the input scene (only the buffers are reused): nothing is
// carried over from one call to the next.
Compact& compact_of(Sim& s, const Particle* scene) {
    static Compact c;
    const int n = s.n;
    c.hot0.resize(n); c.hot.resize(n); c.force.resize(3 * (size_t)n);
    c.mass.resize(n); c.radius.resize(n); c.nb.resize(n);
    c.bond.resize((size_t)n * MAX_BONDS); c.rest.resize((size_t)n * MAX_BONDS);
    for (int i = 0; i < n; i++) {
        const Particle& p = scene[i];
        for (int k = 0; k < 3; k++) { c.hot0[i].pos[k] = p.pos[k]; c.hot0[i].vel[k] = p.vel[k]; }
        c.mass[i] = p.mass; c.radius[i] = p.radius; c.nb[i] = p.nbonds;
        for (int b = 0; b < MAX_BONDS; b++) {
            c.bond[(size_t)i * MAX_BONDS + b] = p.bond[b];
            c.rest[(size_t)i * MAX_BONDS + b] = p.rest[b];
        }
    }
    return c;
}

void simulate(Sim& s, const Particle* scene) {
    Compact& c = compact_of(s, scene);
    const int n = s.n;
    c.hot = c.hot0;  // every run starts from the loaded scene
    Hot* H = c.hot.data();
    double* F = c.force.data();
    for (int step = 0; step < s.steps; step++) {
        for (int i = 0; i < n; i++) {
            const Hot& p = H[i];
            const int* bd = &c.bond[(size_t)i * MAX_BONDS];
            const double* rs = &c.rest[(size_t)i * MAX_BONDS];
            double f[3] = {0.0, 0.0, c.mass[i] * s.gravity};
            for (int b = 0; b < c.nb[i]; b++) {
                const Hot& q = H[bd[b]];
                double d[3], dv[3];
                for (int k = 0; k < 3; k++) { d[k] = q.pos[k] - p.pos[k]; dv[k] = q.vel[k] - p.vel[k]; }
                double len = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                if (len < 1e-12) continue;
                double stretch = s.stiffness * (len - rs[b]);
                double drag = s.damping * (dv[0] * d[0] + dv[1] * d[1] + dv[2] * d[2]) / len;
                double mag = (stretch + drag) / len;
                for (int k = 0; k < 3; k++) f[k] += mag * d[k];
            }
            for (int k = 0; k < 3; k++) F[3 * (size_t)i + k] = f[k];
        }
        for (int i = 0; i < n; i++) {
            Hot& p = H[i];
            double inv_m = 1.0 / c.mass[i];
            for (int k = 0; k < 3; k++) {
                p.pos[k] += p.vel[k] * s.dt;  // BUG: moves with the old velocity
                p.vel[k] += F[3 * (size_t)i + k] * inv_m * s.dt;
            }
            if (p.pos[2] < c.radius[i]) {
                p.pos[2] = 2.0 * c.radius[i] - p.pos[2];
                p.vel[2] = -0.5 * p.vel[2];
            }
        }
    }
    double kinetic = 0.0, potential = 0.0;
    for (int i = 0; i < n; i++) {
        const Hot& p = H[i];
        const double m = c.mass[i];
        kinetic += 0.5 * m * (p.vel[0] * p.vel[0] + p.vel[1] * p.vel[1] + p.vel[2] * p.vel[2]);
        potential -= m * s.gravity * p.pos[2];
        for (int b = 0; b < c.nb[i]; b++) {
            const Hot& q = H[c.bond[(size_t)i * MAX_BONDS + b]];
            double dx = q.pos[0] - p.pos[0], dy = q.pos[1] - p.pos[1], dz = q.pos[2] - p.pos[2];
            double e = std::sqrt(dx * dx + dy * dy + dz * dz) - c.rest[(size_t)i * MAX_BONDS + b];
            potential += 0.25 * s.stiffness * e * e;
        }
    }
    s.result.clear();
    s.result.push_back(kinetic);
    s.result.push_back(potential);
    for (int i = 0; i < n; i += 8)
        for (int k = 0; k < 3; k++) s.result.push_back(H[i].pos[k]);
}
// EVOLVE-BLOCK-END

}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t len) {
    if (len != 40) return nullptr;
    const uint32_t n = read_u32(params), steps = read_u32(params + 4);
    if (n == 0 || n > (1u << 22) || steps > (1u << 20)) return nullptr;
    Sim* s = new Sim();
    s->n = (int)n;
    s->steps = (int)steps;
    s->dt = read_f64(params + 8);
    s->stiffness = read_f64(params + 16);
    s->damping = read_f64(params + 24);
    s->gravity = read_f64(params + 32);
    return s;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
    Sim* s = (Sim*)state;
    if (!s || input_len != (size_t)s->n * sizeof(Particle)) return 0;
    // reject malformed records: a bond count or a bond index out of range
    for (int i = 0; i < s->n; i++) {
        const unsigned char* r = input + (size_t)i * sizeof(Particle);
        int nb, bond[MAX_BONDS];
        std::memcpy(&nb, r + offsetof(Particle, nbonds), sizeof nb);
        if (nb < 0 || nb > MAX_BONDS) return 0;
        std::memcpy(bond, r + offsetof(Particle, bond), sizeof bond);
        for (int b = 0; b < nb; b++)
            if (bond[b] < 0 || bond[b] >= s->n) return 0;
    }
    const Particle* scene = (const Particle*)input;
    if ((uintptr_t)input % alignof(Particle) != 0) {  // not expected; copied to be safe
        s->staging.resize(s->n);
        std::memcpy(s->staging.data(), input, input_len);
        scene = s->staging.data();
    }
    simulate(*s, scene);
    size_t need = s->result.size() * sizeof(double);
    if (need <= out_cap) std::memcpy(out, s->result.data(), need);
    return need;
}

extern "C" void aiopt_fini(void* state) { delete (Sim*)state; }
