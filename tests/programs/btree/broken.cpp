// B+-tree of uint64 keys -> uint64 values: every run builds a fresh tree from a
// generated stream of inserts (with some overwrites of existing keys), then
// answers a stream of point lookups (about half of them hit).
//
// Input file: "inserts=<n> lookups=<m> seed=<s>". aiopt_init generates the key
// streams; aiopt_run builds the tree, runs the lookups and frees the tree.
// Output: 6 little-endian uint64 values (lookup checksum, hits, misses,
// distinct keys, tree height, leaf count).
#include "aiopt.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t param(const std::string& text, const char* key, uint64_t def) {
    size_t p = text.find(key);
    if (p == std::string::npos) return def;
    return std::strtoull(text.c_str() + p + std::strlen(key), nullptr, 10);
}

struct State {
    std::vector<uint64_t> insert_keys;
    std::vector<uint64_t> lookup_keys;
    uint64_t result[6];
};

// EVOLVE-BLOCK-START
constexpr size_t kMaxKeys = 64;  // a node splits when it holds more keys than this

struct Node {
    bool leaf = true;
    std::vector<uint64_t> keys;
    std::vector<uint64_t> values;    // leaves: values[i] belongs to keys[i]
    std::vector<Node*> children;     // inner nodes: keys.size() + 1 children
    Node* next = nullptr;            // leaves: right sibling
};

class BPlusTree {
public:
    BPlusTree() : root_(new Node) {}
    ~BPlusTree() { destroy(root_); }
    BPlusTree(const BPlusTree&) = delete;
    BPlusTree& operator=(const BPlusTree&) = delete;

    size_t size() const { return size_; }
    size_t height() const { return height_; }

    void insert(uint64_t key, uint64_t value) {
        std::vector<Node*> path;
        Node* leaf = descend(key, path);
        auto it = std::lower_bound(leaf->keys.begin(), leaf->keys.end(), key);
        size_t i = it - leaf->keys.begin();
        if (it != leaf->keys.end() && *it == key) {
            leaf->values[i] = value;
            return;
        }
        leaf->keys.insert(it, key);
        leaf->values.insert(leaf->values.begin() + i, value);
        ++size_;
        if (leaf->keys.size() > kMaxKeys) split(leaf, path);
    }

    bool find(uint64_t key, uint64_t* value) const {
        std::vector<Node*> path;
        Node* leaf = descend(key, path);
        auto it = std::lower_bound(leaf->keys.begin(), leaf->keys.end(), key);
        if (it == leaf->keys.end() || *it != key) return false;
        *value = leaf->values[it - leaf->keys.begin()];
        return true;
    }

    size_t count_leaves() const {
        const Node* n = root_;
        while (!n->leaf) n = n->children.front();
        size_t c = 0;
        for (; n; n = n->next) ++c;
        return c;
    }

private:
    Node* root_;
    size_t size_ = 0;
    size_t height_ = 1;

    // Walks from the root to the leaf responsible for key, recording the inner
    // nodes passed on the way (needed to propagate splits upwards).
    Node* descend(uint64_t key, std::vector<Node*>& path) const {
        Node* n = root_;
        while (!n->leaf) {
            path.push_back(n);
            size_t i = std::lower_bound(n->keys.begin(), n->keys.end(), key) - n->keys.begin();
            n = n->children[i];
        }
        return n;
    }

    void split(Node* n, std::vector<Node*>& path) {
        while (n->keys.size() > kMaxKeys) {
            Node* right = new Node;
            right->leaf = n->leaf;
            size_t mid = n->keys.size() / 2;
            uint64_t sep;
            if (n->leaf) {
                right->keys.assign(n->keys.begin() + mid, n->keys.end());
                right->values.assign(n->values.begin() + mid, n->values.end());
                n->keys.resize(mid);
                n->values.resize(mid);
                right->next = n->next;
                n->next = right;
                sep = right->keys.front();
            } else {
                sep = n->keys[mid];
                right->keys.assign(n->keys.begin() + mid + 1, n->keys.end());
                right->children.assign(n->children.begin() + mid + 1, n->children.end());
                n->keys.resize(mid);
                n->children.resize(mid + 1);
            }
            if (path.empty()) {
                Node* root = new Node;
                root->leaf = false;
                root->keys.push_back(sep);
                root->children.push_back(n);
                root->children.push_back(right);
                root_ = root;
                ++height_;
                return;
            }
            Node* parent = path.back();
            path.pop_back();
            size_t i = std::upper_bound(parent->keys.begin(), parent->keys.end(), sep) - parent->keys.begin();
            parent->keys.insert(parent->keys.begin() + i, sep);
            parent->children.insert(parent->children.begin() + i + 1, right);
            n = parent;
        }
    }

    static void destroy(Node* n) {
        if (!n->leaf)
            for (Node* c : n->children) destroy(c);
        delete n;
    }
};

void run(State* s) {
    BPlusTree tree;
    for (size_t i = 0; i < s->insert_keys.size(); ++i) {
        uint64_t k = s->insert_keys[i];
        tree.insert(k, k * 0x9E3779B97F4A7C15ull + i);
    }
    uint64_t sum = 0, hits = 0, misses = 0;
    for (uint64_t k : s->lookup_keys) {
        uint64_t v;
        if (tree.find(k, &v)) {
            ++hits;
            sum = (sum ^ v) * 0x100000001B3ull + hits;
        } else {
            ++misses;
        }
    }
    s->result[0] = sum;
    s->result[1] = hits;
    s->result[2] = misses;
    s->result[3] = tree.size();
    s->result[4] = tree.height();
    s->result[5] = tree.count_leaves();
}
// EVOLVE-BLOCK-END

}  // namespace

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
    std::string text(reinterpret_cast<const char*>(input), len);
    State* s = new State;
    uint64_t n = param(text, "inserts=", 100000), m = param(text, "lookups=", 100000);
    uint64_t seed = param(text, "seed=", 1);
    // Keys come from a domain of about n*6/5 values, so some inserts overwrite.
    uint64_t domain = n + n / 5 + 1;
    auto key_of = [](uint64_t x) { return x * 0xD6E8FEB86659FD93ull ^ 0x5DEECE66Dull; };
    for (uint64_t i = 0; i < n; ++i) s->insert_keys.push_back(key_of(splitmix64(seed) % domain));
    // Lookups: half from the key domain (mostly hits), half arbitrary (misses).
    for (uint64_t i = 0; i < m; ++i) {
        uint64_t r = splitmix64(seed);
        s->lookup_keys.push_back(r & 1 ? key_of((r >> 1) % domain) : r);
    }
    std::memset(s->result, 0, sizeof s->result);
    return s;
}

extern "C" void aiopt_run(void* state) { run(static_cast<State*>(state)); }

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
    const State* s = static_cast<State*>(state);
    unsigned char buf[48];
    for (int i = 0; i < 6; ++i)
        for (int b = 0; b < 8; ++b) buf[i * 8 + b] = (unsigned char)(s->result[i] >> (8 * b));
    if (out) std::memcpy(out, buf, cap < sizeof buf ? cap : sizeof buf);
    return sizeof buf;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
