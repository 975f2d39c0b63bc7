import javax.xml.namespace.QName;
import javax.xml.stream.*;
import javax.xml.stream.events.*;
import java.io.*;
import java.util.*;

// Reference model of urn://smev-gov-ru/xmldsig/transform: reads XML from stdin, writes the transform to stdout.
public class SmevTransform {
  static final String NS_PREFIX = "ns";
  public static void main(String[] args) throws Exception {
    process(System.in, System.out);
    System.out.flush();
  }
  static void process(InputStream argSrc, OutputStream argDst) throws Exception {
    Stack<List<Namespace>> prefixMappingStack = new Stack<List<Namespace>>();
    int prefixCnt = 1;
    XMLEventReader src = XMLInputFactory.newInstance().createXMLEventReader(argSrc, "UTF-8");
    XMLEventWriter dst = XMLOutputFactory.newInstance().createXMLEventWriter(argDst, "UTF-8");
    XMLEventFactory factory = XMLEventFactory.newInstance();
    while (src.hasNext()) {
      XMLEvent event = src.nextEvent();
      if (event.isCharacters()) {
        String data = event.asCharacters().getData();
        if (!data.trim().isEmpty()) dst.add(event);
        continue;
      } else if (event.isStartElement()) {
        List<Namespace> myPrefixMappings = new LinkedList<Namespace>();
        prefixMappingStack.push(myPrefixMappings);
        StartElement srcEvent = (StartElement) event;
        String nsURI = srcEvent.getName().getNamespaceURI();
        String prefix = findPrefix(nsURI, prefixMappingStack);
        if (prefix == null) {
          prefix = NS_PREFIX + prefixCnt++;
          myPrefixMappings.add(factory.createNamespace(prefix, nsURI));
        }
        StartElement dstEvent = factory.createStartElement(prefix, nsURI, srcEvent.getName().getLocalPart());
        dst.add(dstEvent);
        Iterator<Attribute> it = srcEvent.getAttributes();
        List<Attribute> srcAttributeList = new LinkedList<Attribute>();
        while (it.hasNext()) srcAttributeList.add(it.next());
        Collections.sort(srcAttributeList, new AttributeSortingComparator());
        List<Attribute> dstAttributeList = new LinkedList<Attribute>();
        for (Attribute srcAttribute : srcAttributeList) {
          String attributeNsURI = srcAttribute.getName().getNamespaceURI();
          String attributeLocalName = srcAttribute.getName().getLocalPart();
          String value = srcAttribute.getValue();
          Attribute dstAttribute;
          if (attributeNsURI != null && !"".equals(attributeNsURI)) {
            String attributePrefix = findPrefix(attributeNsURI, prefixMappingStack);
            if (attributePrefix == null) {
              attributePrefix = NS_PREFIX + prefixCnt++;
              myPrefixMappings.add(factory.createNamespace(attributePrefix, attributeNsURI));
            }
            dstAttribute = factory.createAttribute(attributePrefix, attributeNsURI, attributeLocalName, value);
          } else {
            dstAttribute = factory.createAttribute(attributeLocalName, value);
          }
          dstAttributeList.add(dstAttribute);
        }
        for (Namespace mapping : myPrefixMappings) dst.add(mapping);
        for (Attribute attr : dstAttributeList) dst.add(attr);
        continue;
      } else if (event.isEndElement()) {
        dst.add(factory.createSpace(""));
        EndElement srcEvent = (EndElement) event;
        String nsURI = srcEvent.getName().getNamespaceURI();
        String prefix = findPrefix(nsURI, prefixMappingStack);
        if (prefix == null) throw new RuntimeException("EndElement: prefix mapping is not found for namespace " + nsURI);
        EndElement dstEvent = factory.createEndElement(prefix, nsURI, srcEvent.getName().getLocalPart());
        dst.add(dstEvent);
        prefixMappingStack.pop();
        continue;
      }
    }
    dst.flush();
  }
  static String findPrefix(String argNamespaceURI, Stack<List<Namespace>> argMappingStack) {
    if (argNamespaceURI == null) throw new IllegalArgumentException("No namespace elements are not supported.");
    for (List<Namespace> elementMappingList : argMappingStack) {
      for (Namespace mapping : elementMappingList) {
        if (argNamespaceURI.equals(mapping.getNamespaceURI())) return mapping.getPrefix();
      }
    }
    return null;
  }
  static class AttributeSortingComparator implements Comparator<Attribute> {
    public int compare(Attribute x, Attribute y) {
      String xNS = x.getName().getNamespaceURI();
      String xLocal = x.getName().getLocalPart();
      String yNS = y.getName().getNamespaceURI();
      String yLocal = y.getName().getLocalPart();
      if (empty(xNS) && empty(yNS)) return xLocal.compareTo(yLocal);
      if (!empty(xNS) && !empty(yNS)) {
        int r = xNS.compareTo(yNS);
        if (r != 0) return r;
        return xLocal.compareTo(yLocal);
      }
      if (empty(xNS)) return 1; else return -1;
    }
    static boolean empty(String s) { return s == null || "".equals(s); }
  }
}
