package reloadable.hotswap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether the new version of a loaded class can replace the old one in place AND show correctly.
 * The JVM redefines only method bodies (it refuses fields or methods added or removed, a changed
 * hierarchy or modifiers); besides those, some changes it accepts would not show: what frameworks
 * read once at startup (run-time annotations: a new request mapping), what ran once (a static
 * initializer, the constructors of objects that exist), the value of a constant field, and
 * lambdas that changed numbers (a lambda made before would run another lambda's body).
 * Each reason is a phrase that follows the class name: "added a field count".
 */
final class Compatibility {
  private Compatibility() {}

  private static final int CLASS_MODIFIERS = 0x0001 | 0x0010 | 0x0200 | 0x0400 | 0x1000 | 0x2000 | 0x4000;
  private static final int MEMBER_MODIFIERS = 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0080 | 0x0100 | 0x0400 | 0x0800;

  static List<String> reasons(ClassFile before, ClassFile after) {
    List<String> reasons = new ArrayList<>();
    if (!before.name.equals(after.name)) {
      reasons.add("is now named " + after.javaName());
      return reasons;
    }
    if (!Objects.equals(before.superName, after.superName)) reasons.add("changed its superclass to " + javaName(after.superName));
    if (!before.interfaces.equals(after.interfaces)) reasons.add("changed the interfaces it implements");
    if ((before.access & CLASS_MODIFIERS) != (after.access & CLASS_MODIFIERS)) reasons.add("changed its modifiers");
    for (String attribute : new String[] {"NestHost", "NestMembers", "PermittedSubclasses", "Record"}) {
      if (!Objects.equals(before.classAttributes.get(attribute), after.classAttributes.get(attribute))) {
        reasons.add(attribute.equals("NestMembers") ? "added or removed a nested class" : attribute.equals("Record") ? "changed its record components" : "changed its " + attribute + " attribute");
      }
    }
    if (!Objects.equals(before.classAttributes.get("EnclosingMethod"), after.classAttributes.get("EnclosingMethod"))) {
      reasons.add("is a local or anonymous class that moved (its name now stands for another class)");
    }
    if (!before.annotations.equals(after.annotations)) reasons.add("changed its annotations (frameworks read them at startup)");

    fields(before, after, reasons);
    methods(before, after, reasons);
    return reasons;
  }

  private static void fields(ClassFile before, ClassFile after, List<String> reasons) {
    Map<String, ClassFile.Member> old = byKey(before.fields);
    Map<String, ClassFile.Member> now = byKey(after.fields);
    for (String key : now.keySet()) if (!old.containsKey(key)) reasons.add("added a field " + now.get(key).name);
    for (String key : old.keySet()) if (!now.containsKey(key)) reasons.add("removed a field " + old.get(key).name);
    List<String> oldOrder = new ArrayList<>(old.keySet());
    List<String> newOrder = new ArrayList<>(now.keySet());
    oldOrder.retainAll(now.keySet());
    newOrder.retainAll(old.keySet());
    if (!oldOrder.equals(newOrder)) reasons.add("reordered its fields");
    for (Map.Entry<String, ClassFile.Member> entry : now.entrySet()) {
      ClassFile.Member was = old.get(entry.getKey());
      if (was == null) continue;
      ClassFile.Member is = entry.getValue();
      if ((was.access & MEMBER_MODIFIERS) != (is.access & MEMBER_MODIFIERS)) reasons.add("changed the modifiers of field " + is.name);
      if (!was.annotations.equals(is.annotations)) reasons.add("changed the annotations of field " + is.name + " (frameworks read them at startup)");
      if (!Objects.equals(was.constantValue, is.constantValue)) reasons.add("changed the constant " + is.name + " (the field keeps its old value)");
    }
  }

  private static void methods(ClassFile before, ClassFile after, List<String> reasons) {
    Map<String, ClassFile.Member> old = byKey(before.methods);
    Map<String, ClassFile.Member> now = byKey(after.methods);
    for (String key : now.keySet()) if (!old.containsKey(key)) reasons.add("added a method " + describe(now.get(key)));
    for (String key : old.keySet()) if (!now.containsKey(key)) reasons.add("removed a method " + describe(old.get(key)));
    Map<String, String> oldLambdaBodies = new HashMap<>();
    for (ClassFile.Member method : before.methods) if (method.name.startsWith("lambda$")) oldLambdaBodies.put(method.key(), method.canonicalCode());
    boolean renumbered = false;
    for (Map.Entry<String, ClassFile.Member> entry : now.entrySet()) {
      ClassFile.Member was = old.get(entry.getKey());
      if (was == null) continue;
      ClassFile.Member is = entry.getValue();
      if ((was.access & MEMBER_MODIFIERS) != (is.access & MEMBER_MODIFIERS)) reasons.add("changed the modifiers of method " + describe(is));
      if (!was.annotations.equals(is.annotations)) reasons.add("changed the annotations of method " + describe(is) + " (frameworks read them at startup)");
      if (is.name.equals("<clinit>") && !was.canonicalCode().equals(is.canonicalCode())) {
        reasons.add("changed its static initializer (static fields keep the values it gave them)");
      }
      if (is.name.equals("<init>") && !was.canonicalCode().equals(is.canonicalCode())) {
        reasons.add("changed a constructor (objects made before keep the state it gave them)");
      }
      if (is.name.startsWith("lambda$") && !renumbered) {
        List<String> wasSites = before.lambdaSites.getOrDefault(is.key(), java.util.Collections.<String>emptyList());
        List<String> isSites = after.lambdaSites.getOrDefault(is.key(), java.util.Collections.<String>emptyList());
        String body = is.canonicalCode();
        boolean movedBody = !body.equals(was.canonicalCode()) && oldLambdaBodies.entrySet().stream().anyMatch(e -> !e.getKey().equals(is.key()) && e.getValue().equals(body));
        if (!wasSites.equals(isSites) || movedBody) {
          renumbered = true;
          reasons.add("renumbered its lambdas (a lambda made before would run another lambda's code)");
        }
      }
    }
  }

  private static Map<String, ClassFile.Member> byKey(List<ClassFile.Member> members) {
    Map<String, ClassFile.Member> map = new LinkedHashMap<>();
    for (ClassFile.Member member : members) map.put(member.key(), member);
    return map;
  }

  /** `name(Type, Type)` from a method's name and descriptor, as Java writes it. */
  static String describe(ClassFile.Member method) {
    if (method.name.equals("<clinit>")) return "static initializer";
    String name = method.name.equals("<init>") ? "constructor" : method.name;
    List<String> parameters = new ArrayList<>();
    String descriptor = method.descriptor;
    int i = 1;
    while (i < descriptor.length() && descriptor.charAt(i) != ')') {
      int start = i;
      while (descriptor.charAt(i) == '[') i++;
      if (descriptor.charAt(i) == 'L') i = descriptor.indexOf(';', i);
      i++;
      parameters.add(typeName(descriptor.substring(start, i)));
    }
    return name + "(" + String.join(", ", parameters) + ")";
  }

  private static String typeName(String descriptor) {
    int dimensions = 0;
    while (descriptor.charAt(dimensions) == '[') dimensions++;
    String base = descriptor.substring(dimensions);
    String name;
    switch (base.charAt(0)) {
      case 'B': name = "byte"; break;
      case 'C': name = "char"; break;
      case 'D': name = "double"; break;
      case 'F': name = "float"; break;
      case 'I': name = "int"; break;
      case 'J': name = "long"; break;
      case 'S': name = "short"; break;
      case 'Z': name = "boolean"; break;
      default: {
        String full = base.substring(1, base.length() - 1);
        name = full.substring(full.lastIndexOf('/') + 1);
      }
    }
    StringBuilder text = new StringBuilder(name);
    for (int i = 0; i < dimensions; i++) text.append("[]");
    return text.toString();
  }

  private static String javaName(String internal) {
    return internal == null ? "(none)" : internal.replace('/', '.');
  }

  /**
   * A class that is new (or removed) while the app runs, and that frameworks find by scanning at
   * startup (@RestController, @Component, @Entity...): hot swap would load it only when used,
   * which for such a class is never.
   */
  static String discoveredAnnotation(ClassFile file) {
    for (String type : file.annotationTypes) {
      String simple = type.substring(type.lastIndexOf('/') + 1).replace(";", "");
      if (type.equals("Ljava/lang/FunctionalInterface;") || type.equals("Ljava/lang/Deprecated;")) continue;
      return "@" + simple;
    }
    return null;
  }
}
