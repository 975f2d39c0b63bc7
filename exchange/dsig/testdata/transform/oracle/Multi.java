import java.io.*;
import java.nio.charset.StandardCharsets;
public class Multi {
  public static void main(String[] a) throws Exception {
    byte[] all = System.in.readAllBytes();
    String s = new String(all, StandardCharsets.UTF_8);
    String[] docs = s.split("\u0000", -1);
    OutputStream out = new BufferedOutputStream(System.out);
    for (int i = 0; i < docs.length; i++) {
      if (docs[i].isEmpty()) continue;
      ByteArrayOutputStream bo = new ByteArrayOutputStream();
      try { SmevTransform.process(new ByteArrayInputStream(docs[i].getBytes(StandardCharsets.UTF_8)), bo); out.write(bo.toByteArray()); }
      catch (Exception e) { out.write(("ERROR " + e).getBytes(StandardCharsets.UTF_8)); }
      out.write(0);
    }
    out.flush();
  }
}
