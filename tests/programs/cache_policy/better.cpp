// cache_policy: the eviction policy of a fully associative cache.
//
// A fixed driver replays generated access traces (skewed popularity, a loop larger
// than the cache, a hot set disturbed by scans, shifting working sets, a hot index
// plus repeated table scans) against a cache of `capacity` lines and counts hits. The
// policy decides which line to evict on a miss (or to not cache the missing key at
// all). The objective is the hit rate; the output is text lines key=value:
//   hit_rate=<mean of the per-trace hit rates>, hit_rate.<trace>=..., valid=<0|1>
#include "aiopt.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <algorithm>
#include <unordered_map>
#include <vector>

struct Policy;

// EVOLVE-BLOCK-START
// Known-better policy: ARC (Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead
// Replacement Cache", FAST 2003). Resident lines are split into T1 (seen once recently)
// and T2 (seen at least twice); ghost lists B1/B2 remember keys recently evicted from
// T1/T2 and steer the target size p of T1.
struct Policy {
    int c = 0;
    double p = 0.0;
    // resident lists over slots: list id 1 = T1, 2 = T2; heads are MRU ends
    std::vector<int> prev, next, list;
    int head[3] = {-1, -1, -1}, tail[3] = {-1, -1, -1}, size[3] = {0, 0, 0};
    // ghost lists over keys: 1 = B1, 2 = B2, kept in a node pool; ghost maps key -> node
    std::unordered_map<uint32_t, int> ghost;
    std::vector<uint32_t> gkey;
    std::vector<int> gprev, gnext, glist, gfree;
    int ghead[3] = {-1, -1, -1}, gtail[3] = {-1, -1, -1}, gsize[3] = {0, 0, 0};
    int pending_list = 1;     // list the incoming key joins
    int pending_ghost = 0;    // ghost list the victim joins (0 = forget it)
};

static void unlink_slot(Policy* p, int s) {
    int l = p->list[s];
    if (p->prev[s] >= 0) p->next[p->prev[s]] = p->next[s]; else p->head[l] = p->next[s];
    if (p->next[s] >= 0) p->prev[p->next[s]] = p->prev[s]; else p->tail[l] = p->prev[s];
    p->prev[s] = p->next[s] = -1;
    p->size[l]--;
    p->list[s] = 0;
}

static void push_front(Policy* p, int s, int l) {
    p->list[s] = l;
    p->prev[s] = -1;
    p->next[s] = p->head[l];
    if (p->head[l] >= 0) p->prev[p->head[l]] = s;
    p->head[l] = s;
    if (p->tail[l] < 0) p->tail[l] = s;
    p->size[l]++;
}

static void ghost_unlink(Policy* p, int n) {
    int l = p->glist[n];
    if (p->gprev[n] >= 0) p->gnext[p->gprev[n]] = p->gnext[n]; else p->ghead[l] = p->gnext[n];
    if (p->gnext[n] >= 0) p->gprev[p->gnext[n]] = p->gprev[n]; else p->gtail[l] = p->gprev[n];
    p->gsize[l]--;
    p->ghost.erase(p->gkey[n]);
    p->gfree.push_back(n);
}

static void ghost_push(Policy* p, uint32_t key, int l) {
    int n = p->gfree.back();
    p->gfree.pop_back();
    p->gkey[n] = key; p->glist[n] = l;
    p->gprev[n] = -1; p->gnext[n] = p->ghead[l];
    if (p->ghead[l] >= 0) p->gprev[p->ghead[l]] = n;
    p->ghead[l] = n;
    if (p->gtail[l] < 0) p->gtail[l] = n;
    p->gsize[l]++;
    p->ghost[key] = n;
}

static void ghost_drop_lru(Policy* p, int l) {
    if (p->gtail[l] >= 0) ghost_unlink(p, p->gtail[l]);
}

Policy* policy_create(int capacity) {
    Policy* p = new Policy();
    p->c = capacity;
    p->prev.assign(capacity, -1);
    p->next.assign(capacity, -1);
    p->list.assign(capacity, 0);
    const int gn = 2 * capacity + 2;
    p->gkey.assign(gn, 0); p->gprev.assign(gn, -1); p->gnext.assign(gn, -1); p->glist.assign(gn, 0);
    for (int i = gn - 1; i >= 0; i--) p->gfree.push_back(i);
    p->ghost.reserve(4 * capacity);
    return p;
}

void policy_destroy(Policy* p) { delete p; }

void policy_on_hit(Policy* p, int slot, uint32_t key) {
    (void)key;
    unlink_slot(p, slot);
    push_front(p, slot, 2);
}

void policy_on_insert(Policy* p, int slot, uint32_t key) {
    (void)key;
    push_front(p, slot, p->pending_list);
    p->pending_list = 1;
}

int policy_choose_victim(Policy* p, const uint32_t* resident, int capacity, uint32_t incoming) {
    (void)resident; (void)capacity;
    const double c = p->c;
    int in_ghost = 0;
    auto it = p->ghost.find(incoming);
    if (it != p->ghost.end()) {
        in_ghost = p->glist[it->second];
        const double b1 = (double)p->gsize[1], b2 = (double)p->gsize[2];
        if (in_ghost == 1) p->p = std::min(c, p->p + std::max(b2 / b1, 1.0));
        else p->p = std::max(0.0, p->p - std::max(b1 / b2, 1.0));
        ghost_unlink(p, it->second);
        p->pending_list = 2;
    } else {
        p->pending_list = 1;
        const size_t l1 = (size_t)(p->size[1] + p->gsize[1]);
        if (l1 >= (size_t)p->c) {
            if (p->size[1] < p->c) ghost_drop_lru(p, 1);
            else { p->pending_ghost = 0; return p->tail[1]; }  // T1 fills the cache: drop its LRU
        } else if (p->size[1] + p->size[2] + p->gsize[1] + p->gsize[2] >= 2 * p->c) {
            ghost_drop_lru(p, 2);
        }
    }
    // REPLACE
    if (p->size[1] > 0 && (p->size[1] > p->p || (in_ghost == 2 && p->size[1] == (int)p->p))) {
        p->pending_ghost = 1;
        return p->tail[1];
    }
    p->pending_ghost = 2;
    return p->tail[2] >= 0 ? p->tail[2] : p->tail[1];
}

void policy_on_evict(Policy* p, int slot, uint32_t key) {
    int from = p->list[slot];
    unlink_slot(p, slot);
    int gl = p->pending_ghost ? from : 0;
    if (gl) ghost_push(p, key, gl);
    p->pending_ghost = 0;
}
// EVOLVE-BLOCK-END

namespace {

struct Trace {
    std::string name;
    std::vector<uint32_t> keys;
    uint32_t universe = 0;
};

struct State {
    int capacity = 1024;
    std::vector<Trace> traces;
    std::string output;
};

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
uint32_t below(uint64_t& s, uint32_t n) { return (uint32_t)(splitmix64(s) % n); }
// skewed pick in [0, n): n * u^3 with u uniform (integer arithmetic only)
uint32_t skewed(uint64_t& s, uint32_t n) {
    uint64_t u = splitmix64(s) >> 43;  // 21 bits
    return (uint32_t)(((u * u >> 21) * u >> 21) * n >> 21);
}
// spreads small indices over the key space (the cache does not care, the policy might)
uint32_t scramble(uint32_t i, uint32_t base) { return base + ((i * 2654435761u) & 0x3FFFFu); }

long long find_int(const std::string& t, const char* key, long long dflt) {
    size_t p = t.find(std::string(key) + "=");
    return p == std::string::npos ? dflt : std::strtoll(t.c_str() + p + std::strlen(key) + 1, nullptr, 10);
}

void make_traces(State& st, uint32_t n, uint64_t seed) {
    const uint32_t C = (uint32_t)st.capacity;
    uint64_t s = seed;
    Trace zipf{"zipf", {}, 0}, loop{"loop", {}, 0}, scan{"scan", {}, 0}, phase{"phase", {}, 0}, db{"db", {}, 0};
    for (uint32_t i = 0; i < n; i++) zipf.keys.push_back(scramble(skewed(s, 40 * C), 0));
    for (uint32_t i = 0; i < n; i++)  // a loop a quarter larger than the cache, with some noise
        loop.keys.push_back(below(s, 10) == 0 ? scramble(below(s, 8 * C), 1u << 18) : scramble(i % (C + C / 4), 0));
    uint32_t next_scan = 0;
    for (uint32_t i = 0; i < n; i++) {  // hot set of 0.8C keys, bursts of one-time scans
        bool scanning = (i / 2000) % 3 == 2;
        scan.keys.push_back(scanning && below(s, 4) != 0 ? scramble(next_scan++, 2u << 18) : scramble(below(s, C - C / 5), 0));
    }
    for (uint32_t i = 0; i < n; i++) {  // working set of 0.6C keys that moves every n/8 accesses
        uint32_t ph = i / (n / 8);
        phase.keys.push_back(below(s, 10) == 0 ? scramble(below(s, 16 * C), 3u << 18)
                                                : scramble(ph * C + skewed(s, C - 2 * C / 5), 0));
    }
    uint32_t cursor = 0;
    for (uint32_t i = 0; i < n; i++) {  // small hot index + repeated scans of a 3C table
        if (below(s, 10) < 3) db.keys.push_back(scramble(below(s, C / 4), 0));
        else db.keys.push_back(scramble((cursor++) % (3 * C), 3u << 18));
    }
    for (Trace* t : {&zipf, &loop, &scan, &phase, &db}) {
        for (uint32_t k : t->keys) t->universe = k + 1 > t->universe ? k + 1 : t->universe;
        st.traces.push_back(std::move(*t));
    }
}

// Replays one trace; returns the number of hits, or -1 if the policy made an invalid choice.
long long replay(const Trace& t, int capacity) {
    std::vector<int> slot_of(t.universe, -1);
    std::vector<uint32_t> resident(capacity, 0);
    int used = 0;
    long long hits = 0;
    Policy* p = policy_create(capacity);
    for (uint32_t key : t.keys) {
        int s = slot_of[key];
        if (s >= 0) { hits++; policy_on_hit(p, s, key); continue; }
        if (used < capacity) {
            s = used++;
        } else {
            s = policy_choose_victim(p, resident.data(), capacity, key);
            if (s == -1) continue;  // not cached
            if (s < -1 || s >= capacity) { policy_destroy(p); return -1; }
            policy_on_evict(p, s, resident[s]);
            slot_of[resident[s]] = -1;
        }
        resident[s] = key;
        slot_of[key] = s;
        policy_on_insert(p, s, key);
    }
    policy_destroy(p);
    return hits;
}

}  // namespace

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
    State* st = new State();
    std::string text((const char*)input, len);
    st->capacity = (int)find_int(text, "capacity", 1024);
    make_traces(*st, (uint32_t)find_int(text, "accesses", 200000), (uint64_t)find_int(text, "seed", 1));
    return st;
}

extern "C" void aiopt_run(void* state) {
    State* st = (State*)state;
    std::vector<double> rates;
    bool valid = true;
    for (const Trace& t : st->traces) {
        long long h = replay(t, st->capacity);
        if (h < 0) valid = false;
        rates.push_back(h < 0 ? 0.0 : (double)h / (double)t.keys.size());
    }
    double mean = 0.0;
    for (double r : rates) mean += r;
    mean = valid ? mean / (double)rates.size() : 0.0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "hit_rate=%.6f\n", mean);
    st->output = buf;
    for (size_t i = 0; i < rates.size(); i++) {
        std::snprintf(buf, sizeof buf, "hit_rate.%s=%.6f\n", st->traces[i].name.c_str(), valid ? rates[i] : 0.0);
        st->output += buf;
    }
    st->output += valid ? "valid=1\n" : "valid=0\n";
}

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
    State* st = (State*)state;
    size_t need = st->output.size();
    if (out && cap > 0) std::memcpy(out, st->output.data(), need < cap ? need : cap);
    return need;
}

extern "C" void aiopt_fini(void* state) { delete (State*)state; }
