package io.chargebot.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.AnnotationsProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.chargebot.api.ProtoSources.ProtoFile;
import io.chargebot.common.v1.ErrorReasonProto;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChargeBotApisTest {

    private static final List<ProtoFile> PROTO_FILES = ProtoSources.load();

    @Test
    void protoFilesAreShippedAsResources() {
        assertThat(PROTO_FILES)
                .extracting(ProtoFile::path)
                .contains(
                        "chargebot/common/v1/error_reason.proto",
                        "chargebot/parking/v1/parking_service.proto",
                        "chargebot/robot/v1/robot_service.proto");
    }

    @Test
    void servicesListsEveryServiceDefinedInTheProtoFiles() {
        List<String> defined = PROTO_FILES.stream().flatMap(f -> ProtoSources.serviceNames(f).stream()).toList();
        List<String> listed = ChargeBotApis.services().stream().map(io.grpc.ServiceDescriptor::getName).toList();

        assertThat(defined).isNotEmpty();
        assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(defined);
    }

    @Test
    void everyDeclarationHasALeadingComment() {
        List<String> problems = PROTO_FILES.stream()
                .flatMap(f -> ProtoCommentScanner.missingComments(f.path(), f.text()).stream())
                .toList();

        assertThat(problems).as("declarations without a leading // comment").isEmpty();
    }

    @Test
    void commentScannerReportsEveryKindOfUncommentedDeclaration() {
        String source = """
                syntax = "proto3";
                package x.v1;
                option java_package = "x.v1";

                service ThingService {
                  rpc GetThing(GetThingRequest) returns (Thing) {
                    option (google.api.http) = {get: "/v1/{name=things/*}"};
                  }
                  // Commented.
                  rpc Watch(stream WatchRequest) returns (stream Thing);
                }

                // Commented.
                message Thing {
                  string name = 1;
                  // Detached by the blank line below.

                  repeated int32 sizes = 2 [(google.api.field_behavior) = OUTPUT_ONLY];
                  map<string, string> labels = 3;
                  oneof kind {
                    // Commented.
                    string a = 4;
                    x.v1.Other b = 5;
                  }
                  int32 trailing = 6; // A trailing comment is not a leading one.
                }

                // Commented.
                enum Colour {
                  // Commented.
                  COLOUR_UNSPECIFIED = 0;
                  COLOUR_RED = 1;
                }
                """;

        assertThat(ProtoCommentScanner.missingComments("t.proto", source)).containsExactly(
                "t.proto:5: service ThingService",
                "t.proto:6: rpc GetThing",
                "t.proto:15: field name",
                "t.proto:18: field sizes",
                "t.proto:19: field labels",
                "t.proto:20: oneof kind",
                "t.proto:23: field b",
                "t.proto:25: field trailing",
                "t.proto:32: enum value COLOUR_RED");
    }

    @Test
    void commentScannerAcceptsAFullyCommentedFile() {
        String source = """
                // Commented.
                service S {
                  // Commented.
                  rpc Do(DoRequest) returns (DoResponse) {
                    option (google.api.http) = {
                      post: "/v1/{name=things/*}:do"
                      body: "*"
                    };
                  }
                }
                // Commented.
                message DoRequest {
                  // Commented.
                  string name = 1;
                }
                """;

        assertThat(ProtoCommentScanner.missingComments("t.proto", source)).isEmpty();
    }

    @Test
    void everyUnaryRpcHasAnHttpRuleAndNoStreamingRpcHasOne() {
        for (MethodDescriptor method : methods()) {
            boolean streaming = method.toProto().getClientStreaming() || method.toProto().getServerStreaming();
            assertThat(method.getOptions().hasExtension(AnnotationsProto.http))
                    .as("google.api.http on %s", method.getFullName())
                    .isEqualTo(!streaming);
        }
    }

    @Test
    void everyListMethodIsPaginatedWithItsResultsAsFieldOne() {
        List<MethodDescriptor> lists =
                methods().stream().filter(m -> m.getName().startsWith("List")).toList();
        assertThat(lists).isNotEmpty();
        for (MethodDescriptor method : lists) {
            Descriptor request = method.getInputType();
            Descriptor response = method.getOutputType();
            assertField(request, "page_size", FieldDescriptor.Type.INT32);
            assertField(request, "page_token", FieldDescriptor.Type.STRING);
            assertField(response, "next_page_token", FieldDescriptor.Type.STRING);
            FieldDescriptor results = response.findFieldByNumber(1);
            assertThat(results).as("%s field 1", response.getFullName()).isNotNull();
            assertThat(results.isRepeated()).as("%s field 1 is repeated", response.getFullName()).isTrue();
        }
    }

    @Test
    void everyUpdateMethodTakesAFieldMask() {
        List<MethodDescriptor> updates =
                methods().stream().filter(m -> m.getName().startsWith("Update")).toList();
        assertThat(updates).isNotEmpty();
        for (MethodDescriptor method : updates) {
            FieldDescriptor mask = method.getInputType().findFieldByName("update_mask");
            assertThat(mask).as("%s.update_mask", method.getInputType().getFullName()).isNotNull();
            assertThat(mask.getMessageType().getFullName()).isEqualTo("google.protobuf.FieldMask");
        }
    }

    @Test
    void everyDeleteMethodReturnsEmpty() {
        methods().stream()
                .filter(m -> m.getName().startsWith("Delete"))
                .forEach(m -> assertThat(m.getOutputType().getFullName())
                        .as("%s returns", m.getFullName())
                        .isEqualTo("google.protobuf.Empty"));
    }

    @Test
    void everyFileUsesTheSharedJavaOptions() {
        List<FileDescriptor> files = chargeBotFiles();
        assertThat(files).extracting(FileDescriptor::getName)
                .containsExactlyInAnyOrderElementsOf(PROTO_FILES.stream().map(ProtoFile::path).toList());
        for (FileDescriptor file : files) {
            String area = file.getPackage().split("\\.")[1];
            String base = file.getName().substring(file.getName().lastIndexOf('/') + 1).replace(".proto", "");
            StringBuilder outer = new StringBuilder();
            for (String word : base.split("_")) {
                outer.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
            }
            assertThat(file.getPackage()).isEqualTo("chargebot." + area + ".v1");
            assertThat(file.getOptions().getJavaMultipleFiles()).as(file.getName()).isTrue();
            assertThat(file.getOptions().getJavaPackage()).as(file.getName()).isEqualTo("io.chargebot." + area + ".v1");
            assertThat(file.getOptions().getJavaOuterClassname()).as(file.getName()).isEqualTo(outer + "Proto");
        }
    }

    private static void assertField(Descriptor message, String name, FieldDescriptor.Type type) {
        FieldDescriptor field = message.findFieldByName(name);
        assertThat(field).as("%s.%s", message.getFullName(), name).isNotNull();
        assertThat(field.getType()).as("%s.%s type", message.getFullName(), name).isEqualTo(type);
    }

    private static List<ServiceDescriptor> serviceDescriptors() {
        return ChargeBotApis.services().stream()
                .map(s -> ((ProtoServiceDescriptorSupplier) s.getSchemaDescriptor()).getServiceDescriptor())
                .toList();
    }

    private static List<MethodDescriptor> methods() {
        return serviceDescriptors().stream().flatMap(s -> s.getMethods().stream()).toList();
    }

    /** Every chargebot file reachable from the listed services, plus the error reasons. */
    private static List<FileDescriptor> chargeBotFiles() {
        Map<String, FileDescriptor> seen = new LinkedHashMap<>();
        Deque<FileDescriptor> todo = new ArrayDeque<>();
        serviceDescriptors().forEach(s -> todo.add(s.getFile()));
        todo.add(ErrorReasonProto.getDescriptor());
        while (!todo.isEmpty()) {
            FileDescriptor file = todo.pop();
            if (file.getName().startsWith("chargebot/") && seen.putIfAbsent(file.getName(), file) == null) {
                todo.addAll(file.getDependencies());
            }
        }
        return new ArrayList<>(seen.values());
    }
}
