import Foundation
import Testing
@testable import ConvergencePII

/// `person_name` and `postal_address` written in Cyrillic, Greek, Chinese, Japanese, Korean, Arabic,
/// Hebrew and Devanagari, and the text in those scripts that holds neither: translated interface
/// strings, places, institutions, words that are also names.
@Suite struct ScriptNameRecognizerTests {
    static func spans(_ text: String, _ kind: PIIKind, hint: PIIFieldHint = .none) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector.spans(in: text, hint: hint).filter { $0.kind == kind }.map {
            String(decoding: bytes[$0.start..<$0.end], as: UTF8.self)
        }
    }

    static func kinds(_ text: String) -> [PIIKind] { PIIDetector.kinds(in: text) }

    @Test func cyrillicNames() {
        #expect(Self.spans("Please forward the contract to Иван Петров before Friday.", .personName) == ["Иван Петров"])
        #expect(Self.spans("Иванов Сергей Петрович called about the invoice.", .personName) == ["Иванов Сергей Петрович"])
        #expect(Self.spans("Договор подписал Петров И. И. вчера.", .personName) == ["Петров И. И."], "a surname with initials")
        #expect(Self.spans("Встреча с Иваном Петровым перенесена.", .personName) == ["Иваном Петровым"], "case forms of a given name")
        #expect(Self.spans("Клиент: Смирнова", .personName) == ["Смирнова"], "one surname after a cue")
        #expect(Self.spans("Зустріч з Андрієм Гнатюком перенесли.", .personName) == ["Андрієм Гнатюком"], "Ukrainian")
        #expect(Self.spans("Контакт: Милош Поповић", .personName) == ["Милош Поповић"], "Serbian")
        #expect(Self.kinds("ИВАНОВ Иван Иванович").contains(.personName), "a surname in capitals beside a given name")
        #expect(!Self.spans("Поштовани господине Јовановићу, ваша пријава је примљена.", .personName).isEmpty, "after a title")
        #expect(Self.spans("Пане Андрію Коваленку, надсилаю вам рахунок.", .personName) == ["Андрію Коваленку"], "a title opening the run")
        #expect(Self.spans("Фамилия: Чернышёва", .personName) == ["Чернышёва"])
        #expect(Self.spans("Разговарао сам са Небојшом Стојановићем о уговору.", .personName) == ["Небојшом Стојановићем"])
    }

    @Test func greekNames() {
        #expect(Self.spans("Email from Γιώργος Παπαδόπουλος about the order.", .personName) == ["Γιώργος Παπαδόπουλος"])
        #expect(Self.spans("Ο Κωνσταντίνος Καραγιάννης ανέλαβε το τμήμα.", .personName) == ["Κωνσταντίνος Καραγιάννης"],
                "the article opening the sentence is no part of the name")
        #expect(Self.kinds("Ο λογαριασμός ανήκει στον Παναγιώτη Δρόσο.").contains(.personName), "the accusative")
        #expect(Self.spans("Κυρία Μαρκοπούλου, σας ενημερώνουμε.", .personName) == ["Μαρκοπούλου"], "a title and a surname")
        #expect(Self.spans("Please add Ξανθίππη Κουτσούκου to the distribution list.", .personName) == ["Ξανθίππη Κουτσούκου"],
                "an unlisted given name beside a surname, in English text")
    }

    @Test func chineseAndJapaneseNames() {
        #expect(Self.spans("Customer name: 王伟", .personName) == ["王伟"])
        #expect(Self.spans("Please call 李娜 back tomorrow.", .personName) == ["李娜"], "two characters and a person's verb")
        #expect(Self.spans("王秀英 called about the invoice yesterday.", .personName) == ["王秀英"])
        #expect(Self.spans("请联系王伟先生确认。", .personName) == ["王伟"], "a surname and a honorific inside prose")
        #expect(Self.spans("客户李建国反映订单一直未发货。", .personName) == ["李建国"], "a cue inside prose")
        #expect(Self.spans("姓名：张三丰", .personName) == ["张三丰"])
        #expect(Self.spans("欧阳振华已确认出席明天的会议。", .personName) == ["欧阳振华"], "a two-character surname")
        #expect(Self.spans("The ticket was opened by 田中 花子.", .personName) == ["田中 花子"])
        #expect(Self.spans("佐藤さんに資料を送っておいてください。", .personName) == ["佐藤"])
        #expect(Self.spans("山本さくらさんから問い合わせがありました。", .personName) == ["山本さくら"], "a given name in kana")
        #expect(Self.spans("長谷川純一氏が新社長に就任しました。", .personName) == ["長谷川純一"])
        #expect(Self.spans("[10:21] 孙悦：文件我已经上传了", .personName) == ["孙悦"], "a chat log's speaker")
    }

    @Test func koreanNames() {
        #expect(Self.spans("김민준 asked for a refund yesterday.", .personName) == ["김민준"])
        #expect(Self.spans("이서연씨는 오늘 휴가입니다.", .personName) == ["이서연"], "씨 glued to the name")
        #expect(Self.spans("정하늘 고객님의 문의가 접수되었습니다.", .personName) == ["정하늘"])
        #expect(Self.spans("장수빈 과장님께 결재 요청드립니다.", .personName) == ["장수빈"])
        #expect(Self.spans("이름: 박지훈", .personName) == ["박지훈"])
        #expect(Self.spans("인사기록: 성명 윤지호, 입사일 2022.03.02", .personName) == ["윤지호"], "성명 needs no colon")
        #expect(Self.spans("감사합니다. 정하늘 드림", .personName) == ["정하늘"], "a letter's sign-off")
        #expect(Self.spans("황보수빈 학생의 성적표를 발송했습니다.", .personName) == ["황보수빈"], "a two-syllable surname")
    }

    @Test func arabicHebrewAndDevanagariNames() {
        #expect(Self.spans("Contact: محمد أحمد", .personName) == ["محمد أحمد"])
        #expect(Self.spans("ترسل الشحنة إلى السيد منصور الحربي غدا", .personName).first == "منصور الحربي", "a title before any name")
        #expect(Self.spans("مدير الحساب: جمال عيسى النعيمي", .personName) == ["جمال عيسى النعيمي"], "an al-…i family name")
        #expect(Self.spans("The reviewer was אברהם כהן.", .personName) == ["אברהם כהן"])
        #expect(Self.kinds("נא לשלוח את החוזה ליוסי כהן עד יום חמישי.").contains(.personName), "a preposition glued to the name")
        #expect(Self.spans("Approved by राहुल शर्मा.", .personName) == ["राहुल शर्मा"])
        #expect(Self.spans("डॉ. अरुण कुलकर्णी सोमवार को उपलब्ध हैं।", .personName) == ["अरुण कुलकर्णी"])
        #expect(Self.spans("पिता का नाम: रामेश्वर प्रसाद मिश्र", .personName) == ["रामेश्वर प्रसाद"], "any words after a label's cue and colon")
        #expect(Self.spans("تیکت ۳۳۸۱: آقای رضا محمدی درخواست بازگشت وجه دارد.", .personName) == ["رضا محمدی"], "Persian: a title")
        #expect(Self.spans("دیروز با نگار رضایی صحبت کردم.", .personName) == ["نگار رضایی"], "Persian: a listed given name")
        #expect(Self.spans("للسيدة هند الكبيسي: تم تأكيد موعدك", .personName).first == "هند الكبيسي", "a preposition glued to a title")
        #expect(Self.spans("עו\"ד מיכל אברהמי תייצג את החברה.", .personName) == ["מיכל אברהמי"], "a title with gershayim")
        #expect(Self.spans("עו״ד מיכל אברהמי תייצג את החברה.", .personName) == ["מיכל אברהמי"], "the Hebrew gershayim sign")
        #expect(!Self.spans("קיבלנו את הטופס מאת גב' תמר בן-דוד.", .personName).isEmpty, "a title with a geresh")
    }

    /// Thai glues a title to the given name; Georgian surnames are told by their endings.
    @Test func thaiAndGeorgian() {
        #expect(Self.spans("ผู้ติดต่อ: นายสมชาย ใจดี", .personName) == ["สมชาย ใจดี"])
        #expect(Self.spans("นางสาวมาลี รักไทย โทรมาเรื่องใบแจ้งหนี้", .personName) == ["มาลี รักไทย"])
        #expect(Self.spans("ดร.ธีระ วงศ์ใหญ่ จะมาประชุม", .personName) == ["ธีระ วงศ์ใหญ่"])
        #expect(Self.spans("Please forward the contract to คุณ ธนากร ศรีสุข.", .personName) == ["ธนากร ศรีสุข"])
        #expect(Self.spans("ดร.สมปอง วงศ์ใหญ่ จะมาประชุม", .personName) == ["สมปอง วงศ์ใหญ่"], "a dotted title before an unlisted name")
        #expect(Self.spans("นายกิตติ ศรีสุข", .personName) == ["กิตติ ศรีสุข"], "นายก… is a stop word, but not before a listed name")
        #expect(Self.kinds("99 ถ.สุขุมวิท แขวงคลองเตย").contains(.postalAddress), "an abbreviated road")
        #expect(Self.kinds("ที่อยู่: 123/45 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพมหานคร 10110").contains(.postalAddress))
        #expect(Self.kinds("99 ซอยลาดพร้าว 15 แขวงจอมพล เขตจตุจักร กรุงเทพฯ 10900").contains(.postalAddress))
        #expect(Self.spans("Contact: ლევან ბერიძე", .personName) == ["ლევან ბერიძე"])
        #expect(Self.spans("კაპანაძე ნინო", .personName) == ["კაპანაძე ნინო"], "surname first")
        // คุณ is also "you"; นายก is "prime minister"; สิგრძე is "length".
        for text in ["นายกรัฐมนตรีแถลงข่าววันนี้", "คุณภาพ ดีมาก", "คุณแม่ ของฉัน", "นางพยาบาล ดูแลผู้ป่วย", "คุณ สามารถเลือกได้",
                     "รายการที่คุณเลือก ไม่ใช่โฟลเดอร์", "ซอย 5", "ราคา 500 บาท", "თბილისი საქართველო", "არასწორი სიგრძე", "სისტემის ფუძე"] {
            #expect(Self.kinds(text).isEmpty, "\(text)")
        }
    }

    /// Under a name key the whole value is the name, listed or not; other keys' values are judged as text.
    @Test func valuesUnderANameKey() {
        for value in ["马晓东", "임채원", "Ксенофонт Пантелеймонов", "Ξενοφών Αθανασίου", "غسان كنفاني", "אליאב שטרנברג", "रघुवीर सहाय",
                      "山本さくら", "山田　太郎"] {
            #expect(Self.spans(value, .personName, hint: .personName) == [value], "\(value)")
        }
        for value in ["第3章 概要", "설정 변경 완료 후 다시 시도", "Hello 世界", "未知", "匿名", "管理员", "Не указано", "Гость", "관리자", "مجهول"] {
            #expect(Self.spans(value, .personName, hint: .personName).isEmpty, "\(value)")
        }
    }

    /// Text in these scripts that holds no name: the words that start like a name, places, institutions,
    /// translated interface strings (from Debian's message catalogues), words that are also given names.
    @Test func textThatHoldsNoName() {
        let texts = [
            "Российская Федерация", "Нижний Новгород", "Газпром нефть объявил о дивидендах.", "Если ОСНОВНОЙ или ВТОРОСТЕПЕННЫЙ",
            "Демократична Республіка Конго", "Калимантан Тимур", "Кастело Бранко", "Свети Мартин", "Тип сглаживания для ЖК-экранов",
            "Ο καιρός στον Άγιο Νικόλαο σήμερα είναι ηλιόλουστος.", "Ηνωμένου Βασιλείου", "Αθήνα είναι η πρωτεύουσα.",
            "Go to 高级设置 > 隐私 to disable tracking.", "%s 时出错", "接受最终用户许可协议（EULA）", "無法將 SSH 簽名金鑰緩衝區寫入「%s」",
            "作者致謝名單", "高中同学聚会", "项目经理", "谢谢先生", "王様の耳はロバの耳", "お客様へのお知らせ", "皆さん、こんにちは",
            "표시할 GdkImage", "$onto_name: 여러 개의 병합 베이스가 있습니다", "--follow=name 명령을 활용하십시오", "무작위 경로 선택을 위한 씨드",
            "%ld.%03d ms 기다린 뒤에도 여전히 복구 중: %s", "고객님 안녕하세요", "파일 이름 인수가 필요합니다", "Set your 이메일 address",
            "جمال الطبيعة في لبنان لا يوصف.", "مطار حمد الدولي هو الأفضل في المنطقة.", "انس كلمة المرور", "زیاد است",
            "רמת גן ובני ברק הן ערים סמוכות.", "המדינה הרב לאומית של בוליביה", "מיכל דיו ריק", "שני ה־Ctrl ביחד", "השלמה יחידה",
            "श्री लंका", "देश का विकास हो रहा है", "विजय दिवस", "부처님 오신 날을 봉축합니다.", "הבוקר ירד טל על הדשא.", "אביב הגיע, פסח בא.",
            "أكبر قيمة", "وحيد للنافذة", "كيان غير صالح", "ترانه های محلی", "작성자 이름과 시각을 표시하지 않습니다", "汤加语", "高版本",
            "张开嘴，医生要检查一下。", "Колегата е в отпуск", "客户：全部 订单",
        ]
        for text in texts { #expect(!Self.kinds(text).contains(.personName), "\(text)") }
    }

    @Test func streetAddresses() {
        let addresses = [
            "Адрес: г. Москва, ул. Тверская, д. 7, кв. 15", "Наш офис: Санкт-Петербург, Невский проспект, 28.",
            "Адрес за доставка: гр. София, бул. „Витоша“ № 45, ет. 3", "Адреса: м. Київ, вул. Хрещатик, 22, кв. 5",
            "Οδός Ερμού 15, 105 63 Αθήνα", "Το γραφείο μας βρίσκεται στην Εγνατία 120, 546 30 Θεσσαλονίκη.",
            "Νέα διεύθυνση: Λεωφ. Κηφισίας 280, 152 32 Χαλάνδρι", "地址：北京市朝阳区建国路88号", "香港九龍旺角彌敦道580號",
            "寄送地址：臺中市西屯區台灣大道三段99號", "住所：東京都新宿区西新宿2-8-1", "北海道札幌市中央区北1条西2丁目1番地",
            "주소: 서울특별시 강남구 테헤란로 152", "저희 사무실 주소는 대구광역시 중구 동성로2길 80입니다.",
            "العنوان: شارع الملك فهد 123، الرياض 12271", "مكتبنا في 25 شارع الحمراء، بيروت.", "כתובת: רחוב הרצל 25, תל אביב",
            "המשרד שלנו נמצא ברחוב ויצמן 8, רחובות.", "पता: 12, महात्मा गांधी मार्ग, हज़रतगंज, लखनऊ 226001", "نشانی: تهران، خیابان ولیعصر، کوچه نسترن، پلاک ۱۲، واحد ۳",
            "الرياض، حي العليا، شارع الملك فهد، مبنى 4521", "Доставка до бул. „Витоша“ 45, вх. Б, гр. София",
            "Адреса: Кнез Михаилова 12, 11000 Београд", "Пошаљите рачун на Булевар ослобођења 45, 21000 Нови Сад.",
            "Тверской бул 7", "45, שדרות רוטשילד, תל אביב",
        ]
        for text in addresses { #expect(Self.kinds(text).contains(.postalAddress), "\(text)") }
        #expect(Self.spans("住所：東京都新宿区西新宿2-8-1", .postalAddress) == ["東京都新宿区西新宿2-8-1"])
        #expect(Self.spans("주소: 서울특별시 강남구 테헤란로 152", .postalAddress) == ["서울특별시 강남구 테헤란로 152"])
    }

    /// A city or district alone, a time, a price, a count: no address.
    @Test func textThatHoldsNoAddress() {
        let texts = [
            "Красная площадь закрыта для посещения до 18:00.", "Москва, 2024 год", "Заказ № 12345 отправлен.", "Αθήνα 2004",
            "北京市朝阳区", "2024年3月15日", "第3章", "共88个", "東京都の人口は1400万人", "강남구 인구 50만", "서울시 2024년",
            "السعر 250 ريال", "הזמנה 4411 נשלחה", "कीमत 500 रुपये", "भारत 1947", "قیمت ۲۵۰ هزار تومان", "سفارش ۱۲۳۴ ارسال شد",
            "Версия 12, 10000 пользователей", "улица закрыта для посещения до 18:00", "Τμήμα Λ 3",
        ]
        for text in texts { #expect(!Self.kinds(text).contains(.postalAddress), "\(text)") }
    }

    /// Cut characters, stray lead bytes and every script's letters at the ends of the text: no crash.
    @Test func brokenBytesAreHarmless() {
        let pieces: [[UInt8]] = [[0xE4], [0xE3, 0x81], [0xD0], [0xCE], [0xEA, 0xB9], [0xD8], [0xE0, 0xA4], [0xEF, 0xBC]]
        let texts = ["王先生", "田中さん", "김민준 님", "Иван Петров", "ул. Тверская, д. 7", "建国路88号", "2-8-1", "محمد أحمد", "डॉ."]
        for text in texts {
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                for piece in pieces {
                    for candidate in [Array(bytes[..<cut]) + piece, piece + Array(bytes[cut...])] {
                        _ = candidate.withUnsafeBufferPointer { PIIDetector.spans(in: $0) }
                    }
                }
            }
        }
    }

    /// Linear time: about 1 MiB of each unit, a few seconds at most even unoptimised.
    @Test(arguments: ["王", "王先生", "田中 ", "佐藤さん", "김민준 님 ", "가", "Иван ", "И. ", "ул. Тверская ", "北京市朝阳区建国路88号",
                      "محمد ", "السيد ", "東京都2-8-1 ", "Οδός Ερμού 15 ", "이름: 김", "[1] 王伟：", "Customer name: 王伟 ", "226001 ",
                      "پلاک ۱۲، ", "۱", "خیابان ", "欧阳", "نام: ", "„Витоша“ 45, ",
                      "นายสมชาย ", "นาย", "12 ถนน", "ლევან ბერიძე ", "Κυρία ", "Ο ", "Господин "])
    func pathologicalInputStaysLinear(unit: String) { expectLinearTime(unit) }
}
