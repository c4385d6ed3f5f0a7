// particles: a mass-spring soft-body network.
//
// n particles live in one array of Particle records (the record also carries the
// bookkeeping a simulation/editor keeps per particle: label, material, colour, tick
// stamps, a trail for rendering). Particles are tied to random other particles by
// springs. One run restores the initial scene, advances it `steps` time steps with
// symplectic Euler (spring + damping + gravity + floor), and reports the energies and a
// sample of the final positions. Output: little-endian float64 array
//   [kinetic, potential, x0, y0, z0, x8, y8, z8, ...]  (every 8th particle).
#include "aiopt.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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
    int n = 20000, steps = 4;
    uint64_t seed = 1;
    double dt = 1e-3, stiffness = 40.0, damping = 0.8, gravity = -9.81;
    std::vector<Particle> initial;  // the scene as loaded
    std::vector<Particle> parts;    // the scene being simulated
    std::vector<double> result;
};

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
double unit(uint64_t& s) { return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0); }

long long find_int(const std::string& t, const char* key, long long dflt) {
    size_t p = t.find(std::string(key) + "=");
    return p == std::string::npos ? dflt : std::strtoll(t.c_str() + p + std::strlen(key) + 1, nullptr, 10);
}

// EVOLVE-BLOCK-START
// Known-better variant: hot/cold split. At the start of each run the fields the time
// step touches are copied into compact arrays (position+velocity packed in 48 bytes,
// springs in flat arrays); the steps then never touch the fat Particle records. The floating
// point operations and their order are exactly those of the initial program.
struct Hot { double pos[3]; double vel[3]; };

struct Compact {
    std::vector<Hot> hot0, hot;
    std::vector<double> force, mass, radius, rest;
    std::vector<int> nb, bond;
};

// Rebuilt on every run from the loaded scene (only the buffers are reused): the speedup
// must not come from skipping work on later calls.
Compact& compact_of(Sim& s) {
    static Compact c;
    const int n = s.n;
    c.hot0.resize(n); c.hot.resize(n); c.force.resize(3 * (size_t)n);
    c.mass.resize(n); c.radius.resize(n); c.nb.resize(n);
    c.bond.resize((size_t)n * MAX_BONDS); c.rest.resize((size_t)n * MAX_BONDS);
    for (int i = 0; i < n; i++) {
        const Particle& p = s.initial[i];
        for (int k = 0; k < 3; k++) { c.hot0[i].pos[k] = p.pos[k]; c.hot0[i].vel[k] = p.vel[k]; }
        c.mass[i] = p.mass; c.radius[i] = p.radius; c.nb[i] = p.nbonds;
        for (int b = 0; b < MAX_BONDS; b++) {
            c.bond[(size_t)i * MAX_BONDS + b] = p.bond[b];
            c.rest[(size_t)i * MAX_BONDS + b] = p.rest[b];
        }
    }
    return c;
}

void simulate(Sim& s) {
    Compact& c = compact_of(s);
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
                p.vel[k] += F[3 * (size_t)i + k] * inv_m * s.dt;
                p.pos[k] += p.vel[k] * s.dt;
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

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
    Sim* s = new Sim();
    std::string text((const char*)input, len);
    s->n = (int)find_int(text, "n", s->n);
    s->steps = (int)find_int(text, "steps", s->steps);
    s->seed = (uint64_t)find_int(text, "seed", (long long)s->seed);
    uint64_t r = s->seed;
    const char* materials[4] = {"rubber", "steel", "foam", "gel"};
    s->initial.assign(s->n, Particle());
    for (int i = 0; i < s->n; i++) {
        Particle& p = s->initial[i];
        std::memset(&p, 0, sizeof(Particle));
        p.id = splitmix64(r);
        std::snprintf(p.name, sizeof p.name, "p%06d", i);
        std::snprintf(p.material, sizeof p.material, "%s", materials[p.id % 4]);
        for (int k = 0; k < 3; k++) p.pos[k] = unit(r);
        p.pos[2] += 0.05;
        for (int k = 0; k < 3; k++) p.vel[k] = 0.2 * (unit(r) - 0.5);
        p.mass = 0.5 + unit(r);
        p.radius = 0.01 + 0.01 * unit(r);
        for (int k = 0; k < 4; k++) p.color[k] = (float)((p.id >> (8 * k)) & 255) / 255.0f;
        p.group = (int)(p.id % 97);
        for (int t = 0; t < 8; t++)
            for (int k = 0; k < 3; k++) p.trail[t][k] = p.pos[k];
    }
    // springs: random pairs, recorded at both ends while both have room
    for (long long a = 0; a < (long long)s->n * MAX_BONDS / 2; a++) {
        int i = (int)(splitmix64(r) % (uint64_t)s->n), j = (int)(splitmix64(r) % (uint64_t)s->n);
        Particle& p = s->initial[i];
        Particle& q = s->initial[j];
        if (i == j || p.nbonds == MAX_BONDS || q.nbonds == MAX_BONDS) continue;
        double dx = q.pos[0] - p.pos[0], dy = q.pos[1] - p.pos[1], dz = q.pos[2] - p.pos[2];
        double rest = std::sqrt(dx * dx + dy * dy + dz * dz) * (0.9 + 0.2 * unit(r));
        p.bond[p.nbonds] = j; p.rest[p.nbonds++] = rest;
        q.bond[q.nbonds] = i; q.rest[q.nbonds++] = rest;
    }
    return s;
}

extern "C" void aiopt_run(void* state) { simulate(*(Sim*)state); }

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
    Sim* s = (Sim*)state;
    size_t need = s->result.size() * sizeof(double);
    if (out && cap > 0) std::memcpy(out, s->result.data(), need < cap ? need : cap);
    return need;
}

extern "C" void aiopt_fini(void* state) { delete (Sim*)state; }
