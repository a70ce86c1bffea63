package io.chargebot.server.parking;

import io.chargebot.server.db.Db;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demo parking lots around Seoul, loaded into an empty database when
 * {@code chargebot.demo-data.enabled} is true (the local platform turns it on). Each lot gets
 * 4-8 charging spots on one or two basement floors and opens 09:00-22:00 every day, except the first,
 * 서울시청 공영주차장, which is open around the clock (so the demo can show a robot at work at any hour).
 */
@Singleton
@Requires(property = "chargebot.demo-data.enabled", value = "true")
public final class DemoData {

    private static final Logger logger = LoggerFactory.getLogger(DemoData.class);

    record Place(String name, String address, double latitude, double longitude) {}

    static final List<Place> PLACES = List.of(
            new Place("서울시청 공영주차장", "서울 중구 세종대로 110", 37.5663, 126.9779),
            new Place("광화문 광장 주차장", "서울 종로구 세종대로 172", 37.5724, 126.9769),
            new Place("종로3가 공영주차장", "서울 종로구 종로 131", 37.5704, 126.9921),
            new Place("동대문디자인플라자 주차장", "서울 중구 을지로 281", 37.5663, 127.0092),
            new Place("명동역 주차장", "서울 중구 퇴계로 126", 37.5609, 126.9863),
            new Place("남산골한옥마을 주차장", "서울 중구 퇴계로34길 28", 37.5593, 126.9945),
            new Place("서울역 서부 주차장", "서울 중구 청파로 426", 37.5559, 126.9704),
            new Place("용산역 아이파크몰 주차장", "서울 용산구 한강대로23길 55", 37.5298, 126.9648),
            new Place("이태원 공영주차장", "서울 용산구 이태원로 177", 37.5345, 126.9946),
            new Place("여의도 IFC 주차장", "서울 영등포구 국제금융로 10", 37.5251, 126.9255),
            new Place("여의도 한강공원 주차장", "서울 영등포구 여의동로 330", 37.5284, 126.9326),
            new Place("영등포 타임스퀘어 주차장", "서울 영등포구 영중로 15", 37.5172, 126.9033),
            new Place("신촌역 공영주차장", "서울 서대문구 신촌로 90", 37.5552, 126.9368),
            new Place("홍대입구역 주차장", "서울 마포구 양화로 160", 37.5573, 126.9245),
            new Place("상암 월드컵경기장 주차장", "서울 마포구 월드컵로 240", 37.5683, 126.8972),
            new Place("마포구청 주차장", "서울 마포구 월드컵로 212", 37.5663, 126.9019),
            new Place("강남역 공영주차장", "서울 강남구 강남대로 396", 37.4979, 127.0276),
            new Place("역삼역 주차장", "서울 강남구 테헤란로 156", 37.5007, 127.0365),
            new Place("선릉역 주차장", "서울 강남구 테헤란로 340", 37.5045, 127.0490),
            new Place("코엑스 주차장", "서울 강남구 영동대로 513", 37.5116, 127.0592),
            new Place("압구정 로데오 주차장", "서울 강남구 압구정로 343", 37.5273, 127.0405),
            new Place("신사역 가로수길 주차장", "서울 강남구 도산대로 102", 37.5163, 127.0204),
            new Place("고속터미널 주차장", "서울 서초구 신반포로 194", 37.5049, 127.0049),
            new Place("서초구청 주차장", "서울 서초구 남부순환로 2584", 37.4837, 127.0324),
            new Place("예술의전당 주차장", "서울 서초구 남부순환로 2406", 37.4786, 127.0117),
            new Place("잠실 롯데월드몰 주차장", "서울 송파구 올림픽로 300", 37.5131, 127.1025),
            new Place("올림픽공원 주차장", "서울 송파구 올림픽로 424", 37.5207, 127.1216),
            new Place("가락시장 주차장", "서울 송파구 양재대로 932", 37.4926, 127.1181),
            new Place("건대입구역 주차장", "서울 광진구 아차산로 272", 37.5404, 127.0692),
            new Place("성수동 카페거리 주차장", "서울 성동구 아차산로 100", 37.5446, 127.0557),
            new Place("왕십리역 주차장", "서울 성동구 왕십리광장로 17", 37.5612, 127.0371),
            new Place("청량리역 주차장", "서울 동대문구 왕산로 214", 37.5802, 127.0470),
            new Place("노원역 공영주차장", "서울 노원구 상계로 69", 37.6551, 127.0613),
            new Place("수유역 주차장", "서울 강북구 도봉로 338", 37.6380, 127.0257),
            new Place("목동 현대백화점 주차장", "서울 양천구 목동동로 257", 37.5268, 126.8754),
            new Place("김포공항 주차장", "서울 강서구 하늘길 112", 37.5587, 126.8026),
            new Place("마곡나루역 주차장", "서울 강서구 마곡중앙로 161", 37.5669, 126.8272),
            new Place("구로디지털단지역 주차장", "서울 구로구 도림천로 477", 37.4852, 126.9015),
            new Place("신도림 테크노마트 주차장", "서울 구로구 새말로 97", 37.5074, 126.8903),
            new Place("사당역 공영주차장", "서울 동작구 동작대로 3", 37.4766, 126.9816),
            new Place("노량진 수산시장 주차장", "서울 동작구 노들로 674", 37.5134, 126.9403),
            new Place("판교 테크노밸리 주차장", "경기 성남시 분당구 판교역로 166", 37.3947, 127.1112));

    /** The demo lot open around the clock: the first place. */
    public static final UUID AROUND_THE_CLOCK = lotId(0);

    private final Db db;

    DemoData(Db db) {
        this.db = db;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        int loaded = load();
        if (loaded > 0) {
            logger.info("Loaded {} demo parking lots around Seoul", loaded);
        }
    }

    /** Inserts the demo lots if there are no lots yet (safe to call again); returns how many were inserted. */
    public int load() {
        return db.transaction(connection -> {
            try (PreparedStatement lock = connection.prepareStatement("LOCK TABLE parking_lots IN EXCLUSIVE MODE");
                 PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM parking_lots")) {
                lock.execute();
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return 0;
                    }
                }
            }
            try (PreparedStatement lot = connection.prepareStatement(
                         "INSERT INTO parking_lots (id, display_name, address, latitude, longitude, image_uri) "
                         + "VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement hours = connection.prepareStatement(
                         "INSERT INTO parking_lot_hours (lot_id, day_of_week, open_minute, close_minute) VALUES (?, ?, ?, ?)");
                 PreparedStatement spot = connection.prepareStatement(
                         "INSERT INTO spots (lot_id, floor, code, x_meters, y_meters) VALUES (?, ?, ?, ?, ?)")) {
                for (int i = 0; i < PLACES.size(); i++) {
                    Place place = PLACES.get(i);
                    UUID id = lotId(i);
                    boolean allDay = id.equals(AROUND_THE_CLOCK);
                    lot.setObject(1, id);
                    lot.setString(2, place.name());
                    lot.setString(3, place.address());
                    lot.setDouble(4, place.latitude());
                    lot.setDouble(5, place.longitude());
                    lot.setString(6, "https://images.chargebot.io/demo/lots/" + (i + 1) + ".jpg");
                    lot.addBatch();
                    for (int day = 1; day <= 7; day++) {
                        hours.setObject(1, id);
                        hours.setInt(2, day);
                        hours.setInt(3, allDay ? 0 : 9 * 60);
                        hours.setInt(4, allDay ? 24 * 60 : 22 * 60);
                        hours.addBatch();
                    }
                    int spots = 4 + (i % 5);
                    for (int s = 0; s < spots; s++) {
                        String floor = s < (spots + 1) / 2 ? "B1" : "B2";
                        spot.setObject(1, id);
                        spot.setString(2, floor);
                        spot.setString(3, String.format("%s-%02d", floor.equals("B1") ? "A" : "B", s + 1));
                        spot.setDouble(4, 5.0 + 2.5 * s);
                        spot.setDouble(5, floor.equals("B1") ? 12.0 : 24.0);
                        spot.addBatch();
                    }
                }
                lot.executeBatch();
                hours.executeBatch();
                spot.executeBatch();
            }
            return PLACES.size();
        });
    }

    private static UUID lotId(int place) {
        return UUID.nameUUIDFromBytes(("chargebot-demo-lot-" + place).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
