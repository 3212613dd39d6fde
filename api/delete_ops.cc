// delete, softDelete and restore with their cascades (SPEC.md section 6).

#include <set>

#include "api/record_editor.h"
#include "api/record_writer.h"

namespace kin::api {

namespace {

using RecordKey = std::pair<uint32_t, std::string>;

// Whether the JSON array holds the string `name` (a plain loop: std::find over Json
// trips a false -Warray-bounds in GCC 12 at -O3).
bool Mentions(const Json& array, const std::string& name) {
  for (const Json& e : array)
    if (e.is_string() && e.get_ref<const std::string&>() == name) return true;
  return false;
}

// Permanent deletion: cascades, set-null or restrict, per child relation.
class Deleter {
 public:
  Deleter(CallContext& ctx, std::set<RecordKey> targets) : ctx_(ctx), targets_(std::move(targets)) {}

  Status DeleteRecord(const ModelDef& m, const std::string& id) {
    if (!done_.insert({m.id.value, id}).second) return Status::Ok();
    const Record* r = ctx_.store.Find(m.id, id);
    if (!r) return Status::Ok();
    for (RelationId rid : m.relations) {
      const RelationDef& rel = ctx_.schema.relation(rid);
      if (!rel.is_parent_side() && !rel.through_pivot()) continue;
      const ModelDef& child_model = ctx_.schema.model(rel.through_pivot() ? rel.pivot : rel.target);
      const RelationDef& back = ctx_.schema.relation(rel.through_pivot() ? rel.pivot_near : rel.inverse);
      r = ctx_.store.Find(m.id, id);  // a write above may have moved it
      if (!r) return Status::Ok();
      std::vector<std::string> children;
      for (const Record* c : r->links(rel.local)) children.emplace_back(c->id());
      for (const auto& child : children) {
        if (done_.count({child_model.id.value, child})) {
          // The child is this record or one whose deletion is under way further up:
          // it goes in this call, so its reference is dropped first (a cycle, or a
          // record that points at itself, has no order in which every parent outlives
          // its children).
          const Record* c = ctx_.store.Find(child_model.id, child);
          if (!c) continue;
          std::vector<Value> v = c->CopyValues(child_model.properties.size());
          v[back.foreign_key.value] = Value();
          KIN_RETURN_IF_ERROR(ctx_.mutation->Put(child_model.id, std::move(v)));
        } else if (rel.cascade_delete || rel.through_pivot() || targets_.count({child_model.id.value, child})) {
          KIN_RETURN_IF_ERROR(DeleteRecord(child_model, child));
        } else if (back.nullable) {
          std::vector<Value> v = ctx_.store.Find(child_model.id, child)->CopyValues(child_model.properties.size());
          v[back.foreign_key.value] = Value();
          v[child_model.updated_at.value] = Value::Time(ctx_.now);
          KIN_RETURN_IF_ERROR(ctx_.mutation->Put(child_model.id, std::move(v)));
        } else {
          return Status::NotAllowed("Cannot delete " + m.name + " with id \"" + id + "\": " + child_model.name +
                                    " \"" + child + "\" references it through " + child_model.name + "." +
                                    back.name + ", which is required and not cascaded");
        }
      }
    }
    return ctx_.mutation->Delete(m.id, id);
  }

 private:
  CallContext& ctx_;
  std::set<RecordKey> targets_;
  std::set<RecordKey> done_;
};

// The cascade graph must not loop: "Unable to soft delete the <relation>. Circular
// dependency detected: A -> B -> A".
Status CheckCascadeCycle(const Schema& schema, const ModelDef& m, std::vector<std::string>& path) {
  path.push_back(m.name);
  for (RelationId rid : m.relations) {
    const RelationDef& rel = schema.relation(rid);
    if (!rel.cascade_delete || !rel.is_parent_side()) continue;
    const ModelDef& child = schema.model(rel.target);
    bool loops = std::find(path.begin(), path.end(), child.name) != path.end();
    if (loops) {
      std::string chain;
      for (const auto& p : path) chain += p + " -> ";
      return Status::InvalidData("Unable to soft delete the " + rel.name + ". Circular dependency detected: " + chain +
                                 child.name);
    }
    KIN_RETURN_IF_ERROR(CheckCascadeCycle(schema, child, path));
  }
  path.pop_back();
  return Status::Ok();
}

// softDelete and restore: set or clear deleted_at along cascades, collecting ids.
class SoftDeleter {
 public:
  SoftDeleter(CallContext& ctx, bool restore) : ctx_(ctx), restore_(restore) {}

  // softDelete skips a record that is already soft-deleted, with its children. restore
  // reports every record it reaches, live ones too (as Medusa does), and writes only
  // those that were soft-deleted.
  Status Visit(const ModelDef& m, const Record* r) {
    bool live = ctx_.store.IsLive(m, *r);
    if (!restore_ && !live) return Status::Ok();
    std::string id(r->id());
    if (!visited_.insert({m.id.value, id}).second) return Status::Ok();
    if (!live || !restore_) {
      std::vector<Value> v = r->CopyValues(m.properties.size());
      v[m.deleted_at.value] = restore_ ? Value() : Value::Time(ctx_.now);
      if (restore_) KIN_RETURN_IF_ERROR(CheckUnique(ctx_, m, v, id));
      KIN_RETURN_IF_ERROR(ctx_.mutation->Put(m.id, std::move(v)));
    }
    Touched(m.snake + "_id").push_back(id);
    r = ctx_.store.Find(m.id, id);
    for (RelationId rid : m.relations) {
      const RelationDef& rel = ctx_.schema.relation(rid);
      if (!rel.cascade_delete || !rel.is_parent_side()) continue;
      std::vector<std::string> children;
      for (const Record* c : r->links(rel.local)) children.emplace_back(c->id());
      const ModelDef& child_model = ctx_.schema.model(rel.target);
      for (const auto& c : children) KIN_RETURN_IF_ERROR(Visit(child_model, ctx_.store.Find(child_model.id, c)));
    }
    return Status::Ok();
  }

  std::string Render(const Json& keep) const {
    return EmitResult(ctx_, [&](auto& w) {
      w.StartObject();
      for (const auto& [key, ids] : touched_) {
        if (keep.is_array() && !keep.empty() && !Mentions(keep, key)) continue;  // [] keeps every key
        w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
        w.StartArray();
        for (const auto& id : ids) w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
        w.EndArray();
      }
      w.EndObject();
    });
  }

 private:
  std::vector<std::string>& Touched(const std::string& key) {
    for (auto& [k, ids] : touched_)
      if (k == key) return ids;
    touched_.emplace_back(key, std::vector<std::string>());
    return touched_.back().second;
  }

  CallContext& ctx_;
  bool restore_;
  std::set<RecordKey> visited_;
  std::vector<std::pair<std::string, std::vector<std::string>>> touched_;
};

Status CheckSelector(const ModelDef& model, const Json& selector, const char* method) {
  if (selector.is_string() || selector.is_object() || selector.is_array()) return Status::Ok();
  return Status::InvalidArgument(std::string(method) + model.plural +
                                 " expects an id, an array of ids, a filter object, or an array of those");
}

}  // namespace

Result<std::string> Delete(CallContext& ctx, const ModelDef& model, const Json& args) {
  const Json& selector = Arg(args, 0);
  KIN_RETURN_IF_ERROR(CheckSelector(model, selector, "delete"));
  KIN_ASSIGN_OR_RETURN(auto matched, MatchSelector(ctx, model, selector, true));
  std::set<RecordKey> targets;
  std::vector<std::string> ids;
  for (const Record* r : matched) {
    targets.insert({model.id.value, std::string(r->id())});
    ids.emplace_back(r->id());
  }
  Deleter deleter(ctx, std::move(targets));
  for (const auto& id : ids) KIN_RETURN_IF_ERROR(deleter.DeleteRecord(model, id));
  return std::string("null");
}

Result<std::string> SoftDeleteOrRestore(CallContext& ctx, const ModelDef& model, const Json& args, bool restore) {
  const Json& selector = Arg(args, 0);
  KIN_RETURN_IF_ERROR(CheckSelector(model, selector, restore ? "restore" : "softDelete"));
  const Json& config = Arg(args, 1);
  Json keep;
  if (!config.is_null()) {
    if (!config.is_object()) return Status::InvalidArgument("The config must be an object, got " + config.dump());
    for (const auto& [key, v] : config.items()) {
      if (key != "returnLinkableKeys") return Status::InvalidArgument("Unknown config option \"" + key + "\"");
      if (!v.is_array()) return Status::InvalidArgument("\"returnLinkableKeys\" must be an array of keys");
      keep = v;
    }
  }
  std::vector<std::string> path;
  KIN_RETURN_IF_ERROR(CheckCascadeCycle(ctx.schema, model, path));
  KIN_ASSIGN_OR_RETURN(auto matched, MatchSelector(ctx, model, selector, restore));
  std::vector<std::string> ids;
  for (const Record* r : matched) ids.emplace_back(r->id());
  SoftDeleter visitor(ctx, restore);
  for (const auto& id : ids) KIN_RETURN_IF_ERROR(visitor.Visit(model, ctx.store.Find(model.id, id)));
  return visitor.Render(keep);
}

}  // namespace kin::api
