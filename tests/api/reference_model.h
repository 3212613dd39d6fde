#pragma once
// ReferenceModel: a deliberately simple model of kin's service semantics, the
// oracle of the model-based test (tests/api/model_based_test.cc). Records are JSON
// objects in std::maps, automatic manyToMany links are sets of id pairs, and each
// rule of SPEC.md sections 2, 3, 6 and 7 is written out directly by scanning the
// tables: no indexes, no adjacency lists, slow and plainly right. It knows one
// schema, tests/data/schemas/model_based.json, through the tables of
// ModelBasedSpec(). A call that fails leaves the state as it was (the model keeps
// a copy). Not thread-safe.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kin/kin.h"
#include "kin/json.h"

namespace kin::testing::mbt {

// Values the model keeps and compares: key order is not part of the contract.
using PlainJson = nlohmann::json;
PlainJson ToPlain(const Json& j);

enum class Kind { kText, kInt, kEnum, kJson };

// A scalar property other than the primary key `id`.
struct Scalar {
  std::string name;
  Kind kind = Kind::kText;
  bool nullable = false;
  bool unique = false;
  PlainJson default_value;          // null: none
  std::vector<std::string> values;  // kEnum
};

// A belongsTo of the declaring (child) model: `column` holds the id of a `parent`.
struct Parent {
  std::string name, column, parent;
  std::string inverse;      // the parent's hasMany/hasOne (for a pivot record: its manyToMany)
  bool nullable = false;
  bool cascade = false;     // the parent declares cascades.delete on `inverse`
  bool one_to_one = false;  // `inverse` is a hasOne
  bool pivot = false;       // the child is a pivotEntity record: deleted with either side
};

struct ModelSpec {
  std::string name, plural;
  std::string snake;  // the keys of softDelete/restore results are snake + "_id"
  std::vector<Scalar> scalars;
  std::vector<Parent> parents;
};

// A manyToMany between a.a_rel and b.b_rel: automatic (`pivot` empty), or through
// the `pivot` model whose `a_column` and `b_column` point at the two sides.
struct ManyToMany {
  std::string a, a_rel, b, b_rel;
  std::string pivot, a_column, b_column;
};

struct Spec {
  std::vector<ModelSpec> models;
  std::vector<ManyToMany> m2m;

  const ModelSpec& model(const std::string& name) const;
  // Every relation name of a model (belongsTo, hasOne, hasMany, manyToMany).
  std::vector<std::string> RelationNames(const std::string& model) const;
};

// tests/data/schemas/model_based.json, as tables.
Spec ModelBasedSpec();

enum class Op { kRetrieve, kList, kListAndCount, kCreate, kUpdate, kDelete, kSoftDelete, kRestore };

struct ModelRecord {
  PlainJson fields;  // "id", every scalar and every foreign key column
  bool deleted = false;
};
using Table = std::map<std::string, ModelRecord>;  // by id

struct State {
  std::map<std::string, Table> tables;                               // by model name
  std::vector<std::set<std::pair<std::string, std::string>>> links;  // per Spec::m2m entry: (a id, b id)
};

// What a call did: its error type (and the rule that failed), or its result in
// the form NormalizeResult gives kin's results.
struct Outcome {
  std::optional<ErrorType> error;
  std::string why;
  Json result;
};

// A result of kin in the model's normal form: created/updated records -> their
// ids, softDelete/restore maps -> ids sorted, retrieve -> the id, delete -> null.
Json NormalizeResult(Op op, const Json& result);

class ReferenceModel {
 public:
  explicit ReferenceModel(Spec spec);

  const Spec& spec() const { return spec_; }
  const State& state() const { return state_; }

  // The operation and model a method name stands for, or nullopt.
  std::optional<std::pair<Op, const ModelSpec*>> Resolve(const std::string& method) const;
  // One call, or several as one atomic unit: applied completely or not at all.
  Outcome Call(const std::string& method, const Json& args);
  Outcome Transaction(const std::vector<CallRequest>& calls);

  // The whole state: {model: {id: {field: value, "deleted": bool, "timestamps":
  // true, relation: ...}}}, soft-deleted records and links included. kListing: a
  // relation as listed by list*({withDeleted, relations}): belongsTo/hasOne an id
  // or null (a hasOne shows its live child, else its first soft-deleted one), the
  // others sorted ids ("post@entry" through a pivot). kLinks: as the adjacency
  // holds them: belongsTo an id or null, the others sorted ids (a hasOne all its
  // children, a pivot relation the far ids).
  enum class Form { kListing, kLinks };
  PlainJson Expected(Form form) const;

  // Records created without an id get a placeholder id ("~1") until the test
  // learns the id kin generated and renames them.
  static bool IsPlaceholder(const std::string& id) { return !id.empty() && id[0] == '~'; }
  void Rename(const std::string& model, const std::string& from, const std::string& to);

 private:
  // How a key of a create/update names a relation of the model.
  struct RelationRef {
    enum { kNone, kBelongsTo, kHasOne, kHasMany, kManyToMany } kind = kNone;
    const ModelSpec* child = nullptr;  // kHasOne/kHasMany: the child model
    const Parent* parent = nullptr;    // kBelongsTo: ours; kHasOne/kHasMany: the child's
    size_t m2m = 0;                    // kManyToMany: index into Spec::m2m
    bool self_is_a = false;            // kManyToMany: this model is side a
  };
  using Deferred = std::vector<std::pair<RelationRef, Json>>;

  Json Dispatch(Op op, const ModelSpec& m, const Json& args);
  Json Create(const ModelSpec& m, const Json& args);
  std::string CreateOne(const ModelSpec& m, const Json& data);
  Json Update(const ModelSpec& m, const Json& args);
  void UpdateOne(const ModelSpec& m, const std::string& id, const Json& data);
  Json Delete(const ModelSpec& m, const Json& args);
  Json SoftDeleteOrRestore(const ModelSpec& m, const Json& args, bool restore);
  void Visit(const ModelSpec& m, const std::string& id, bool restore,
             std::vector<std::pair<std::string, std::vector<std::string>>>& touched);
  Json Retrieve(const ModelSpec& m, const Json& args);

  void ReadFields(const ModelSpec& m, const Json& data, bool creating, PlainJson& fields,
                  std::set<std::string>& given, Deferred& deferred);
  void FillMissing(const ModelSpec& m, PlainJson& fields, const std::set<std::string>& given);
  void CheckParents(const ModelSpec& m, const PlainJson& fields, const PlainJson* before) const;
  void CheckUnique(const ModelSpec& m, const PlainJson& fields, const std::string& id) const;
  void ApplyDeferred(const std::string& id, const Deferred& deferred, bool creating);
  void SetHasOne(const ModelSpec& child, const Parent& p, const std::string& id, const Json& value);
  void SetManyToMany(size_t k, bool self_is_a, const std::string& id, const Json& value, bool creating);
  std::vector<std::string> LinkedIds(size_t k, bool self_is_a, const std::string& id) const;
  void AddLink(size_t k, bool self_is_a, const std::string& id, const std::string& other);
  void RemoveLink(size_t k, bool self_is_a, const std::string& id, const std::string& other);
  std::vector<std::string> Match(const ModelSpec& m, const Json& selector, bool with_deleted) const;

  RelationRef FindRelation(const ModelSpec& m, const std::string& key) const;
  Table& table(const std::string& model) { return state_.tables.at(model); }
  const Table& table(const std::string& model) const { return state_.tables.at(model); }
  bool Live(const std::string& model, const PlainJson& id) const;
  // Ids of the records of `child` whose `column` is `id`, soft-deleted included.
  std::vector<std::string> Children(const std::string& child, const std::string& column, const std::string& id) const;

  Spec spec_;
  State state_;
  int placeholders_ = 0;
};

}  // namespace kin::testing::mbt
