// cache_policy: the eviction policy of a fully associative cache.
//
// A fixed driver replays the access traces of the input (skewed popularity, a loop larger
// than the cache, a hot set disturbed by scans, shifting working sets, a hot index plus
// repeated table scans) against a cache of `capacity` lines and counts hits. The policy
// decides which line to evict on a miss (or to not cache the missing key at all). The
// objective is the hit rate; the output is text lines key=value:
//   hit_rate=<mean of the per-trace hit rates>, hit_rate.<trace>=..., valid=<0|1>
#include "aiopt.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
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
