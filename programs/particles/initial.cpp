// particles: a mass-spring soft-body network.
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
void compute_forces(Sim& s) {
    std::vector<Particle>& P = s.parts;
    for (int i = 0; i < s.n; i++) {
        Particle& p = P[i];
        double f[3] = {0.0, 0.0, p.mass * s.gravity};
        for (int b = 0; b < p.nbonds; b++) {
            const Particle& q = P[p.bond[b]];
            double d[3], dv[3];
            for (int k = 0; k < 3; k++) { d[k] = q.pos[k] - p.pos[k]; dv[k] = q.vel[k] - p.vel[k]; }
            double len = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            if (len < 1e-12) continue;
            double stretch = s.stiffness * (len - p.rest[b]);
            double drag = s.damping * (dv[0] * d[0] + dv[1] * d[1] + dv[2] * d[2]) / len;
            double mag = (stretch + drag) / len;
            for (int k = 0; k < 3; k++) f[k] += mag * d[k];
        }
        for (int k = 0; k < 3; k++) p.force[k] = f[k];
    }
}

void integrate(Sim& s) {
    for (Particle& p : s.parts) {
        double inv_m = 1.0 / p.mass;
        for (int k = 0; k < 3; k++) {
            p.vel[k] += p.force[k] * inv_m * s.dt;
            p.pos[k] += p.vel[k] * s.dt;
        }
        if (p.pos[2] < p.radius) {  // floor
            p.pos[2] = 2.0 * p.radius - p.pos[2];
            p.vel[2] = -0.5 * p.vel[2];
        }
    }
}

void measure(Sim& s) {
    double kinetic = 0.0, potential = 0.0;
    for (const Particle& p : s.parts) {
        kinetic += 0.5 * p.mass * (p.vel[0] * p.vel[0] + p.vel[1] * p.vel[1] + p.vel[2] * p.vel[2]);
        potential -= p.mass * s.gravity * p.pos[2];
        for (int b = 0; b < p.nbonds; b++) {
            const Particle& q = s.parts[p.bond[b]];
            double dx = q.pos[0] - p.pos[0], dy = q.pos[1] - p.pos[1], dz = q.pos[2] - p.pos[2];
            double e = std::sqrt(dx * dx + dy * dy + dz * dz) - p.rest[b];
            potential += 0.25 * s.stiffness * e * e;  // every spring is seen from both ends
        }
    }
    s.result.clear();
    s.result.push_back(kinetic);
    s.result.push_back(potential);
    for (int i = 0; i < s.n; i += 8)
        for (int k = 0; k < 3; k++) s.result.push_back(s.parts[i].pos[k]);
}

void simulate(Sim& s, const Particle* scene) {
    s.parts.assign(scene, scene + s.n);  // every run starts from the loaded scene
    for (int step = 0; step < s.steps; step++) {
        compute_forces(s);
        integrate(s);
    }
    measure(s);
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
