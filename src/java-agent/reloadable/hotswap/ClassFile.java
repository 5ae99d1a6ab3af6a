package reloadable.hotswap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a class file (JVMS chapter 4) that decide whether a redefinition is safe and shows
 * correctly: the class's shape (super class, interfaces, fields, methods, modifiers), its
 * run-time annotations, constants and some class attributes, and the code of chosen methods.
 * Everything that points into the constant pool is resolved to text, so two compilations of the
 * same source compare equal even when javac numbered the pool differently.
 */
final class ClassFile {
  /** A field or a method. */
  static final class Member {
    final int access;
    final String name;
    final String descriptor;
    /** RuntimeVisible(Parameter|Type)Annotations and AnnotationDefault, resolved; "" for none. */
    final String annotations;
    /** A field's ConstantValue, resolved; null for none. */
    final String constantValue;
    /** A method's bytecode (the Code attribute's code and exception table), or null. */
    private final byte[] code;
    private final int[] handlers;
    private final ClassFile owner;

    Member(ClassFile owner, int access, String name, String descriptor, String annotations, String constantValue, byte[] code, int[] handlers) {
      this.owner = owner;
      this.access = access;
      this.name = name;
      this.descriptor = descriptor;
      this.annotations = annotations;
      this.constantValue = constantValue;
      this.code = code;
      this.handlers = handlers;
    }

    String key() {
      return name + descriptor;
    }

    /** The code with its constant pool operands resolved and jumps as instruction numbers. */
    String canonicalCode() {
      return code == null ? "" : owner.canonicalCode(code, handlers);
    }
  }

  final String name;
  final int access;
  final String superName;
  final List<String> interfaces = new ArrayList<>();
  final List<Member> fields = new ArrayList<>();
  final List<Member> methods = new ArrayList<>();
  /** The class's own RuntimeVisibleAnnotations and RuntimeVisibleTypeAnnotations, resolved. */
  String annotations = "";
  /** The simple names (descriptors) of the class-level run-time annotations. */
  final List<String> annotationTypes = new ArrayList<>();
  /** NestHost, NestMembers, Record, PermittedSubclasses and EnclosingMethod, resolved. */
  final Map<String, String> classAttributes = new LinkedHashMap<>();
  /** For each lambda body this class implements (name + descriptor): the call sites that create it. */
  final Map<String, List<String>> lambdaSites = new LinkedHashMap<>();

  private final byte[] bytes;
  private final int[] offsets;
  private final byte[] tags;
  private int[][] bootstrapMethods = new int[0][];

  private static final int UTF8 = 1, INTEGER = 3, FLOAT = 4, LONG = 5, DOUBLE = 6, CLASS = 7, STRING = 8, FIELDREF = 9, METHODREF = 10,
      INTERFACE_METHODREF = 11, NAME_AND_TYPE = 12, METHOD_HANDLE = 15, METHOD_TYPE = 16, DYNAMIC = 17, INVOKE_DYNAMIC = 18, MODULE = 19,
      PACKAGE = 20;

  /** A class file this reader cannot read: it is cut short or not a class file. */
  static final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    FormatException(String message) {
      super(message);
    }
  }

  static ClassFile parse(byte[] bytes) throws FormatException {
    try {
      return new ClassFile(bytes);
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new FormatException("not a complete class file (" + e.getMessage() + ")");
    }
  }

  private int position;

  private ClassFile(byte[] bytes) throws FormatException {
    this.bytes = bytes;
    if (bytes.length < 10 || u4(0) != 0xCAFEBABE) throw new FormatException("not a class file (no CAFEBABE)");
    int count = u2(8);
    offsets = new int[count];
    tags = new byte[count];
    position = 10;
    for (int i = 1; i < count; i++) {
      int tag = bytes[position] & 0xff;
      tags[i] = (byte) tag;
      offsets[i] = position + 1;
      switch (tag) {
        case UTF8:
          position += 3 + u2(position + 1);
          break;
        case INTEGER: case FLOAT: case FIELDREF: case METHODREF: case INTERFACE_METHODREF: case NAME_AND_TYPE: case DYNAMIC: case INVOKE_DYNAMIC:
          position += 5;
          break;
        case LONG: case DOUBLE:
          position += 9;
          i++; // takes two slots
          break;
        case CLASS: case STRING: case METHOD_TYPE: case MODULE: case PACKAGE:
          position += 3;
          break;
        case METHOD_HANDLE:
          position += 4;
          break;
        default:
          throw new FormatException("unknown constant pool tag " + tag + " at entry " + i);
      }
    }
    access = u2(position);
    name = className(u2(position + 2));
    int superIndex = u2(position + 4);
    superName = superIndex == 0 ? null : className(superIndex);
    int interfaceCount = u2(position + 6);
    position += 8;
    for (int i = 0; i < interfaceCount; i++, position += 2) interfaces.add(className(u2(position)));
    readMembers(fields, false);
    readMembers(methods, true);
    int attributes = u2(position);
    position += 2;
    StringBuilder annotationText = new StringBuilder();
    for (int i = 0; i < attributes; i++) {
      String attribute = utf8(u2(position));
      int length = u4(position + 2);
      int start = position + 6;
      switch (attribute) {
        case "RuntimeVisibleAnnotations":
          annotationText.append(annotationsAt(start, annotationTypes));
          break;
        case "RuntimeVisibleTypeAnnotations":
          annotationText.append(typeAnnotationsAt(start));
          break;
        case "BootstrapMethods":
          readBootstrapMethods(start);
          break;
        case "NestHost":
          classAttributes.put(attribute, className(u2(start)));
          break;
        case "NestMembers": case "PermittedSubclasses": {
          List<String> names = new ArrayList<>();
          for (int k = 0, n = u2(start); k < n; k++) names.add(className(u2(start + 2 + 2 * k)));
          classAttributes.put(attribute, String.join(",", names));
          break;
        }
        case "EnclosingMethod": {
          int method = u2(start + 2);
          classAttributes.put(attribute, className(u2(start)) + (method == 0 ? "" : "." + constant(method)));
          break;
        }
        case "Record":
          classAttributes.put(attribute, recordComponents(start));
          break;
        default:
          break;
      }
      position = start + length;
    }
    annotations = annotationText.toString();
    readLambdaSites();
  }

  private void readMembers(List<Member> into, boolean methods) {
    int count = u2(position);
    position += 2;
    for (int i = 0; i < count; i++) {
      int memberAccess = u2(position);
      String memberName = utf8(u2(position + 2));
      String descriptor = utf8(u2(position + 4));
      int attributes = u2(position + 6);
      position += 8;
      StringBuilder annotationText = new StringBuilder();
      String constantValue = null;
      byte[] code = null;
      int[] handlers = new int[0];
      for (int a = 0; a < attributes; a++) {
        String attribute = utf8(u2(position));
        int length = u4(position + 2);
        int start = position + 6;
        switch (attribute) {
          case "RuntimeVisibleAnnotations":
            annotationText.append(annotationsAt(start, null));
            break;
          case "RuntimeVisibleParameterAnnotations": {
            int parameters = bytes[start] & 0xff;
            int at = start + 1;
            for (int p = 0; p < parameters; p++) {
              annotationText.append("param").append(p).append('[');
              int n = u2(at);
              at += 2;
              for (int k = 0; k < n; k++) {
                StringBuilder one = new StringBuilder();
                at = annotation(at, one, null);
                annotationText.append(one);
              }
              annotationText.append(']');
            }
            break;
          }
          case "RuntimeVisibleTypeAnnotations":
            annotationText.append(typeAnnotationsAt(start));
            break;
          case "AnnotationDefault": {
            StringBuilder value = new StringBuilder("default=");
            elementValue(start, value);
            annotationText.append(value);
            break;
          }
          case "ConstantValue":
            constantValue = constant(u2(start));
            break;
          case "Code": {
            if (!methods) break;
            int codeLength = u4(start + 4);
            code = java.util.Arrays.copyOfRange(bytes, start + 8, start + 8 + codeLength);
            int table = start + 8 + codeLength;
            int entries = u2(table);
            handlers = new int[entries * 4];
            for (int e = 0; e < entries * 4; e++) handlers[e] = u2(table + 2 + 2 * e);
            break;
          }
          default:
            break;
        }
        position = start + length;
      }
      into.add(new Member(this, memberAccess, memberName, descriptor, annotationText.toString(), constantValue, code, handlers));
    }
  }

  private void readBootstrapMethods(int start) {
    int count = u2(start);
    bootstrapMethods = new int[count][];
    int at = start + 2;
    for (int i = 0; i < count; i++) {
      int arguments = u2(at + 2);
      int[] method = new int[arguments + 1];
      method[0] = u2(at);
      for (int k = 0; k < arguments; k++) method[k + 1] = u2(at + 4 + 2 * k);
      bootstrapMethods[i] = method;
      at += 4 + 2 * arguments;
    }
  }

  /**
   * javac compiles a lambda to a private method lambda$<method>$<n> of the class, numbered in
   * source order, and the call site that creates it names that method. A call site that now names
   * another lambda method (another interface, other captures) means the lambdas were renumbered.
   */
  private void readLambdaSites() {
    for (int i = 1; i < tags.length; i++) {
      if (tags[i] != INVOKE_DYNAMIC) continue;
      int bootstrap = u2(offsets[i]);
      if (bootstrap >= bootstrapMethods.length) continue;
      int[] method = bootstrapMethods[bootstrap];
      String site = constant(u2(offsets[i] + 2));
      for (int k = 1; k < method.length; k++) {
        int argument = method[k];
        if (tags[argument] != METHOD_HANDLE) continue;
        int reference = u2(offsets[argument] + 1);
        int owner = u2(offsets[reference]);
        if (!className(owner).equals(name)) continue;
        int nameAndType = u2(offsets[reference] + 2);
        String implementation = utf8(u2(offsets[nameAndType])) + utf8(u2(offsets[nameAndType] + 2));
        if (!implementation.startsWith("lambda$")) continue;
        StringBuilder key = new StringBuilder(site);
        for (int other = 1; other < method.length; other++) if (other != k) key.append('|').append(constant(method[other]));
        lambdaSites.computeIfAbsent(implementation, x -> new ArrayList<>()).add(key.toString());
      }
    }
  }

  private String recordComponents(int start) {
    StringBuilder text = new StringBuilder();
    int at = start + 2;
    for (int i = 0, n = u2(start); i < n; i++) {
      text.append(utf8(u2(at))).append(':').append(utf8(u2(at + 2))).append(';');
      int attributes = u2(at + 4);
      at += 6;
      for (int a = 0; a < attributes; a++) at += 6 + u4(at + 2);
    }
    return text.toString();
  }

  private String annotationsAt(int start, List<String> types) {
    StringBuilder text = new StringBuilder();
    int at = start + 2;
    for (int i = 0, n = u2(start); i < n; i++) at = annotation(at, text, types);
    return text.toString();
  }

  private String typeAnnotationsAt(int start) {
    StringBuilder text = new StringBuilder();
    int at = start + 2;
    for (int i = 0, n = u2(start); i < n; i++) {
      int target = bytes[at] & 0xff;
      int targetLength;
      if (target == 0x00 || target == 0x01 || target == 0x16) targetLength = 1;
      else if (target == 0x10 || target == 0x11 || target == 0x12 || target == 0x17 || target == 0x42 || (target >= 0x43 && target <= 0x46)) targetLength = 2;
      else if (target >= 0x13 && target <= 0x15) targetLength = 0;
      else if (target == 0x40 || target == 0x41) targetLength = 2 + 6 * u2(at + 1);
      else if (target >= 0x47 && target <= 0x4b) targetLength = 3;
      else throw new IllegalArgumentException("unknown type annotation target " + target);
      int path = at + 1 + targetLength;
      int end = path + 1 + 2 * (bytes[path] & 0xff);
      text.append("type");
      for (int b = at; b < end; b++) text.append(':').append(bytes[b] & 0xff);
      at = annotation(end, text, null);
    }
    return text.toString();
  }

  private int annotation(int at, StringBuilder text, List<String> types) {
    String type = utf8(u2(at));
    if (types != null) types.add(type);
    text.append('@').append(type).append('(');
    int pairs = u2(at + 2);
    at += 4;
    for (int i = 0; i < pairs; i++) {
      text.append(utf8(u2(at))).append('=');
      at = elementValue(at + 2, text);
      text.append(',');
    }
    text.append(')');
    return at;
  }

  private int elementValue(int at, StringBuilder text) {
    char tag = (char) (bytes[at] & 0xff);
    switch (tag) {
      case 'B': case 'C': case 'D': case 'F': case 'I': case 'J': case 'S': case 'Z': case 's':
        text.append(tag).append(constant(u2(at + 1)));
        return at + 3;
      case 'e':
        text.append("enum ").append(utf8(u2(at + 1))).append('.').append(utf8(u2(at + 3)));
        return at + 5;
      case 'c':
        text.append("class ").append(utf8(u2(at + 1)));
        return at + 3;
      case '@':
        return annotation(at + 1, text, null);
      case '[': {
        int n = u2(at + 1);
        text.append('[');
        at += 3;
        for (int i = 0; i < n; i++) {
          at = elementValue(at, text);
          text.append(',');
        }
        text.append(']');
        return at;
      }
      default:
        throw new IllegalArgumentException("unknown annotation element tag " + tag);
    }
  }

  /** Instruction lengths by opcode (JVMS 6.5); 0 for the variable-length ones. */
  private static final byte[] LENGTHS = new byte[256];

  static {
    java.util.Arrays.fill(LENGTHS, (byte) 1);
    for (int op : new int[] {0x10, 0x12, 0x15, 0x16, 0x17, 0x18, 0x19, 0x36, 0x37, 0x38, 0x39, 0x3a, 0xa9, 0xbc}) LENGTHS[op] = 2;
    for (int op = 0x99; op <= 0xa8; op++) LENGTHS[op] = 3;
    for (int op : new int[] {0x11, 0x13, 0x14, 0x84, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xbb, 0xbd, 0xc0, 0xc1, 0xc6, 0xc7}) LENGTHS[op] = 3;
    LENGTHS[0xc5] = 4;
    for (int op : new int[] {0xb9, 0xba, 0xc8, 0xc9}) LENGTHS[op] = 5;
    LENGTHS[0xaa] = 0;
    LENGTHS[0xab] = 0;
    LENGTHS[0xc4] = 0;
  }

  private static boolean isJump(int op) {
    return (op >= 0x99 && op <= 0xa8) || op == 0xc6 || op == 0xc7 || op == 0xc8 || op == 0xc9;
  }

  /**
   * The code as text: each instruction with its constant pool operands resolved (ldc and ldc_w
   * alike), jumps and the exception table as instruction numbers, so that a renumbered pool or a
   * longer instruction elsewhere changes nothing.
   */
  private String canonicalCode(byte[] code, int[] handlers) {
    List<Integer> starts = new ArrayList<>();
    Map<Integer, Integer> index = new java.util.HashMap<>();
    for (int pc = 0; pc < code.length; ) {
      index.put(pc, starts.size());
      starts.add(pc);
      pc += instructionLength(code, pc);
    }
    index.put(code.length, starts.size());
    StringBuilder text = new StringBuilder();
    for (int pc : starts) {
      int op = code[pc] & 0xff;
      text.append(op == 0x13 ? 0x12 : op);
      switch (op) {
        case 0x12:
          text.append(' ').append(constant(code[pc + 1] & 0xff));
          break;
        case 0x13: case 0x14: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7: case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbd: case 0xc0: case 0xc1: case 0xc5:
          text.append(' ').append(constant(((code[pc + 1] & 0xff) << 8) | (code[pc + 2] & 0xff)));
          if (op == 0xc5) text.append(' ').append(code[pc + 3] & 0xff);
          break;
        case 0xaa: case 0xab: {
          int at = (pc + 4) & ~3;
          text.append(" default ").append(index.get(pc + s4(code, at)));
          if (op == 0xaa) {
            int low = s4(code, at + 4), high = s4(code, at + 8);
            for (int k = 0; k <= high - low; k++) text.append(' ').append(low + k).append(':').append(index.get(pc + s4(code, at + 12 + 4 * k)));
          } else {
            for (int k = 0, n = s4(code, at + 4); k < n; k++) text.append(' ').append(s4(code, at + 8 + 8 * k)).append(':').append(index.get(pc + s4(code, at + 12 + 8 * k)));
          }
          break;
        }
        default:
          if (isJump(op)) {
            int offset = op >= 0xc8 ? s4(code, pc + 1) : (short) (((code[pc + 1] & 0xff) << 8) | (code[pc + 2] & 0xff));
            text.append(" ->").append(index.get(pc + offset));
          } else {
            for (int k = 1; k < instructionLength(code, pc); k++) text.append(' ').append(code[pc + k] & 0xff);
          }
      }
      text.append(';');
    }
    for (int e = 0; e + 3 < handlers.length; e += 4) {
      text.append("try ").append(index.get(handlers[e])).append('-').append(index.get(handlers[e + 1])).append(" catch ")
          .append(handlers[e + 3] == 0 ? "any" : constant(handlers[e + 3])).append(" at ").append(index.get(handlers[e + 2])).append(';');
    }
    return text.toString();
  }

  private static int instructionLength(byte[] code, int pc) {
    int op = code[pc] & 0xff;
    if (op == 0xc4) return (code[pc + 1] & 0xff) == 0x84 ? 6 : 4;
    if (op == 0xaa || op == 0xab) {
      int at = (pc + 4) & ~3;
      if (op == 0xaa) return at - pc + 12 + 4 * (s4(code, at + 8) - s4(code, at + 4) + 1);
      return at - pc + 8 + 8 * s4(code, at + 4);
    }
    return LENGTHS[op];
  }

  private static int s4(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  /** A constant pool entry as text, with what it points to resolved. */
  String constant(int i) {
    if (i <= 0 || i >= tags.length) throw new IllegalArgumentException("constant pool index " + i + " out of range");
    int at = offsets[i];
    switch (tags[i]) {
      case UTF8:
        return utf8(i);
      case INTEGER:
        return "I" + u4(at);
      case FLOAT:
        return "F" + Float.intBitsToFloat(u4(at));
      case LONG:
        return "J" + (((long) u4(at) << 32) | (u4(at + 4) & 0xffffffffL));
      case DOUBLE:
        return "D" + Double.longBitsToDouble(((long) u4(at) << 32) | (u4(at + 4) & 0xffffffffL));
      case CLASS:
        return "C" + utf8(u2(at));
      case STRING:
        return "S" + utf8(u2(at));
      case FIELDREF: case METHODREF: case INTERFACE_METHODREF:
        return "R" + className(u2(at)) + "." + constant(u2(at + 2));
      case NAME_AND_TYPE:
        return utf8(u2(at)) + ":" + utf8(u2(at + 2));
      case METHOD_HANDLE:
        return "H" + (bytes[at] & 0xff) + ":" + constant(u2(at + 1));
      case METHOD_TYPE:
        return "T" + utf8(u2(at));
      case DYNAMIC: case INVOKE_DYNAMIC: {
        StringBuilder text = new StringBuilder(tags[i] == DYNAMIC ? "Y" : "Z").append(constant(u2(at + 2))).append('[');
        int bootstrap = u2(at);
        if (bootstrap < bootstrapMethods.length) for (int argument : bootstrapMethods[bootstrap]) text.append(constant(argument)).append(',');
        return text.append(']').toString();
      }
      case MODULE: case PACKAGE:
        return "P" + utf8(u2(at));
      default:
        throw new IllegalArgumentException("constant pool entry " + i + " is unusable");
    }
  }

  private String className(int i) {
    if (tags[i] != CLASS) throw new IllegalArgumentException("constant pool entry " + i + " is not a class");
    return utf8(u2(offsets[i]));
  }

  private String utf8(int i) {
    if (i <= 0 || i >= tags.length || tags[i] != UTF8) throw new IllegalArgumentException("constant pool entry " + i + " is not text");
    int at = offsets[i];
    // Modified UTF-8 differs from UTF-8 only for NUL and supplementary characters: equal input
    // gives equal text, which is all a comparison needs.
    return new String(bytes, at + 2, u2(at), StandardCharsets.UTF_8);
  }

  private int u2(int at) {
    return ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
  }

  private int u4(int at) {
    return s4(bytes, at);
  }

  /** The class's name with dots, as Java writes it. */
  String javaName() {
    return name.replace('/', '.');
  }
}
