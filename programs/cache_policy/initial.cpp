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
#include <vector>

struct Policy;

// EVOLVE-BLOCK-START
// Policy interface used by the driver (all calls for one trace go to one Policy):
//   policy_create(capacity)                  new policy for an empty cache of `capacity` slots
//   policy_on_hit(p, slot, key)              `key`, resident in `slot`, was accessed
//   policy_on_insert(p, slot, key)           `key` was just placed into `slot` after a miss
//   policy_choose_victim(p, resident, capacity, incoming)
//                                           the cache is full and `incoming` missed: return
//                                           the slot to evict (0..capacity-1), or -1 to not
//                                           cache `incoming`; resident[s] is the key in slot s
//   policy_on_evict(p, slot, key)            `key` is being removed from `slot`
// Least recently used: slots form a doubly linked list, most recent at the head.
struct Policy {
    int capacity;
    std::vector<int> prev, next;
    int head = -1, tail = -1;
};

static void unlink_slot(Policy* p, int s) {
    if (p->prev[s] >= 0) p->next[p->prev[s]] = p->next[s]; else p->head = p->next[s];
    if (p->next[s] >= 0) p->prev[p->next[s]] = p->prev[s]; else p->tail = p->prev[s];
    p->prev[s] = p->next[s] = -1;
}

static void push_front(Policy* p, int s) {
    p->prev[s] = -1;
    p->next[s] = p->head;
    if (p->head >= 0) p->prev[p->head] = s;
    p->head = s;
    if (p->tail < 0) p->tail = s;
}

Policy* policy_create(int capacity) {
    Policy* p = new Policy();
    p->capacity = capacity;
    p->prev.assign(capacity, -1);
    p->next.assign(capacity, -1);
    return p;
}

void policy_destroy(Policy* p) { delete p; }

void policy_on_hit(Policy* p, int slot, uint32_t key) {
    (void)key;
    unlink_slot(p, slot);
    push_front(p, slot);
}

void policy_on_insert(Policy* p, int slot, uint32_t key) {
    (void)key;
    push_front(p, slot);
}

int policy_choose_victim(Policy* p, const uint32_t* resident, int capacity, uint32_t incoming) {
    (void)resident; (void)capacity; (void)incoming;
    return p->tail;
}

void policy_on_evict(Policy* p, int slot, uint32_t key) {
    (void)key;
    unlink_slot(p, slot);
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
