// cache_policy: the eviction policy of a fully associative cache.
//
// A fixed driver replays the access traces of the input (skewed popularity, a loop larger
// than the cache, a hot set disturbed by scans, shifting working sets, a hot index plus
// repeated table scans) against a cache of `capacity` lines and counts hits. The policy
// decides which line to evict on a miss (or to not cache the missing key at all). The
// objective is the hit rate; the output is text lines key=value:
//   hit_rate=<mean of the per-trace hit rates>, hit_rate.<trace>=..., valid=<0|1>
#include "aiopt.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <algorithm>
#include <unordered_map>

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

// params: capacity, accesses per trace, number of traces (uint32 LE each). input: the
// traces one after another, `accesses` uint32 LE keys each, every key below kKeyLimit.
constexpr uint32_t kKeyLimit = 1u << 20;
const char* const kTraceNames[] = {"zipf", "loop", "scan", "phase", "db"};
constexpr uint32_t kMaxTraces = sizeof kTraceNames / sizeof kTraceNames[0];

struct Trace {
    std::string name;
    const unsigned char* keys = nullptr;  // n uint32 LE keys inside the current input
    size_t n = 0;
    uint32_t universe = 0;
};

struct State {
    int capacity = 1024;
    uint32_t accesses = 0;
    std::vector<Trace> traces;
    std::string output;
};

uint32_t read_u32le(const unsigned char* p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// Points the traces at the input's keys (valid during this aiopt_run only); false if the
// input does not fit the params or has a key >= kKeyLimit.
bool load_traces(State& st, const unsigned char* input, size_t len) {
    if (len != (size_t)st.accesses * st.traces.size() * 4) return false;
    for (Trace& t : st.traces) {
        t.keys = input;
        t.n = st.accesses;
        input += t.n * 4;
        uint32_t top = 0;
        for (size_t i = 0; i < t.n; i++) top = std::max(top, read_u32le(t.keys + 4 * i));
        if (top >= kKeyLimit) return false;
        t.universe = top + 1;
    }
    return true;
}

// Replays one trace; returns the number of hits, or -1 if the policy made an invalid choice.
long long replay(const Trace& t, int capacity) {
    std::vector<int> slot_of(t.universe, -1);
    std::vector<uint32_t> resident(capacity, 0);
    int used = 0;
    long long hits = 0;
    Policy* p = policy_create(capacity);
    for (size_t i = 0; i < t.n; i++) {
        uint32_t key = read_u32le(t.keys + 4 * i);
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

extern "C" void* aiopt_init(const unsigned char* params, size_t len) {
    State* st = new State();
    if (len >= 12) {
        uint32_t capacity = read_u32le(params), traces = read_u32le(params + 8);
        st->capacity = capacity >= 1 && capacity <= (1u << 24) ? (int)capacity : 1024;
        st->accesses = read_u32le(params + 4);
        st->traces.resize(traces < kMaxTraces ? traces : kMaxTraces);
    }
    for (size_t i = 0; i < st->traces.size(); i++) {
        st->traces[i].name = kTraceNames[i];
    }
    return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
    State* st = (State*)state;
    std::vector<double> rates;
    bool valid = !st->traces.empty() && st->accesses > 0 && load_traces(*st, input, input_len);
    if (!valid) {
        st->output = "valid=0\n";  // malformed input
    } else {
        for (const Trace& t : st->traces) {
            long long h = replay(t, st->capacity);
            if (h < 0) valid = false;
            rates.push_back(h < 0 ? 0.0 : (double)h / (double)t.n);
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
    size_t need = st->output.size();
    if (need <= out_cap) std::memcpy(out, st->output.data(), need);
    return need;
}

extern "C" void aiopt_fini(void* state) { delete (State*)state; }
