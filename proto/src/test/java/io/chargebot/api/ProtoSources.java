package io.chargebot.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The .proto files shipped as resources under {@code chargebot/}, read from a directory or a jar. */
final class ProtoSources {

    /** One .proto file: its resource path (e.g. {@code chargebot/car/v1/car_service.proto}) and text. */
    record ProtoFile(String path, String text) {}

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern SERVICE = Pattern.compile("(?m)^\\s*service\\s+(\\w+)\\s*\\{");

    private ProtoSources() {}

    /** Returns every .proto file under {@code chargebot/} on the class path, sorted by path. */
    static List<ProtoFile> load() {
        List<ProtoFile> files = new ArrayList<>();
        try {
            Enumeration<URL> roots = ProtoSources.class.getClassLoader().getResources("chargebot");
            for (URL root : Collections.list(roots)) {
                collect(root, files);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(Comparator.comparing(ProtoFile::path));
        return files;
    }

    /** Returns the fully qualified names of the services a .proto file defines, e.g. {@code chargebot.car.v1.CarService}. */
    static List<String> serviceNames(ProtoFile file) {
        Matcher pkg = PACKAGE.matcher(file.text());
        if (!pkg.find()) {
            throw new IllegalStateException(file.path() + ": no package statement");
        }
        List<String> names = new ArrayList<>();
        Matcher service = SERVICE.matcher(file.text());
        while (service.find()) {
            names.add(pkg.group(1) + '.' + service.group(1));
        }
        return names;
    }

    private static void collect(URL root, List<ProtoFile> files) throws IOException {
        URI uri;
        try {
            uri = root.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + root, e);
        }
        if ("jar".equals(uri.getScheme())) {
            FileSystem fs;
            boolean close = true;
            try {
                fs = FileSystems.newFileSystem(uri, Map.of());
            } catch (FileSystemAlreadyExistsException e) {
                fs = FileSystems.getFileSystem(uri);
                close = false;
            }
            try {
                walk(fs.getPath("/chargebot"), fs.getPath("/"), files);
            } finally {
                if (close) {
                    fs.close();
                }
            }
        } else {
            Path dir = Path.of(uri);
            walk(dir, dir.getParent(), files);
        }
    }

    private static void walk(Path dir, Path base, List<ProtoFile> files) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.filter(f -> f.toString().endsWith(".proto"))::iterator) {
                String relative = base.relativize(p).toString().replace('\\', '/');
                files.add(new ProtoFile(relative, Files.readString(p, StandardCharsets.UTF_8)));
            }
        }
    }
}
