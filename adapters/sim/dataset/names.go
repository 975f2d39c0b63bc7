package dataset

// Reference tables the generator draws from. Order matters: the generator
// indexes them with random numbers, so changing a table changes every data
// set generated from then on.

// maleSurnames are surnames in their masculine form; the feminine form is
// derived by femaleSurname.
var maleSurnames = []string{
	"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
	"Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
	"Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов",
	"Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов",
	"Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
	"Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов",
	"Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов",
	"Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
	"Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков",
	"Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов",
	"Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
	"Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков",
	"Назаров", "Калинин", "Исаев", "Чернышёв", "Быков", "Маслов", "Родионов",
	"Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев",
	"Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов",
	"Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров",
	"Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов",
	"Малышев", "Панов", "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков",
	"Горбунов", "Анисимов", "Ерёмин", "Тихомиров", "Галкин", "Лукьянов", "Михеев",
	"Скворцов", "Юдин", "Белоусов", "Нестеров", "Симонов", "Прокофьев", "Харитонов",
	"Князев", "Цветков", "Левин", "Митрофанов", "Воронов", "Аксёнов", "Софронов",
	"Мальцев", "Логинов", "Горшков", "Савин", "Краснов", "Майоров", "Демидов",
	"Елисеев", "Рыбаков", "Сафонов", "Плотников", "Дёмин", "Хохлов", "Жданов",
	"Руднев", "Ковальский", "Успенский", "Вишневский", "Покровский", "Рождественский",
}

// femaleSurname returns the feminine form of a masculine surname from
// maleSurnames (-ов/-ев/-ин take -а, -ский becomes -ская).
func femaleSurname(s string) string {
	if r := []rune(s); len(r) > 2 && string(r[len(r)-2:]) == "ий" {
		return string(r[:len(r)-2]) + "ая"
	}
	return s + "а"
}

// maleName is a masculine first name with the patronymics derived from it.
type maleName struct {
	name, sonOf, daughterOf string
}

var maleNames = []maleName{
	{"Александр", "Александрович", "Александровна"},
	{"Алексей", "Алексеевич", "Алексеевна"},
	{"Андрей", "Андреевич", "Андреевна"},
	{"Дмитрий", "Дмитриевич", "Дмитриевна"},
	{"Сергей", "Сергеевич", "Сергеевна"},
	{"Владимир", "Владимирович", "Владимировна"},
	{"Николай", "Николаевич", "Николаевна"},
	{"Михаил", "Михайлович", "Михайловна"},
	{"Иван", "Иванович", "Ивановна"},
	{"Евгений", "Евгеньевич", "Евгеньевна"},
	{"Павел", "Павлович", "Павловна"},
	{"Игорь", "Игоревич", "Игоревна"},
	{"Максим", "Максимович", "Максимовна"},
	{"Виктор", "Викторович", "Викторовна"},
	{"Олег", "Олегович", "Олеговна"},
	{"Юрий", "Юрьевич", "Юрьевна"},
	{"Пётр", "Петрович", "Петровна"},
	{"Артём", "Артёмович", "Артёмовна"},
	{"Роман", "Романович", "Романовна"},
	{"Константин", "Константинович", "Константиновна"},
	{"Анатолий", "Анатольевич", "Анатольевна"},
	{"Василий", "Васильевич", "Васильевна"},
	{"Геннадий", "Геннадьевич", "Геннадьевна"},
	{"Вячеслав", "Вячеславович", "Вячеславовна"},
}

var femaleNames = []string{
	"Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Анна", "Мария", "Светлана",
	"Екатерина", "Юлия", "Марина", "Анастасия", "Людмила", "Дарья", "Галина",
	"Ксения", "Алёна", "Вера", "Надежда", "Виктория", "Оксана", "Евгения",
}

var birthPlaces = []string{
	"г. Москва", "г. Москва", "г. Москва", "г. Подольск Московской обл.",
	"г. Тула", "г. Рязань", "г. Калуга", "г. Тверь", "г. Ярославль",
	"г. Воронеж", "г. Смоленск", "г. Владимир",
}

// region describes one of the two regions of the data set.
type region struct {
	code string // RegionCode, also the first digits of INNs and cadastral numbers
	name string // Region
	// plateCodes are the region codes used on registration plates.
	plateCodes []string
	// trafficPolice is the traffic-police body that issues fine decisions
	// and taxOffice the tax inspection that issues tax acts.
	trafficPolice, taxOffice string
	// taxOfficeCode is the 4-digit code of taxOffice.
	taxOfficeCode string
	// arbitrazh is the commercial court for organisations.
	arbitrazh string
	// localities are the towns (Moscow has one: itself).
	localities []locality
}

// locality is a town with its streets, postal codes and courts.
type locality struct {
	name       string // Locality
	postalBase int    // first postal code; codes postalBase..postalBase+postalSpan-1
	postalSpan int
	streets    []string
	// districtCourts issue writs of execution; magistrates issue court
	// orders ("Мировой судья судебного участка № N" + magistrateSuffix).
	districtCourts   []string
	magistrateSuffix string
}

var regions = []region{
	{
		code:          "77",
		name:          "г. Москва",
		plateCodes:    []string{"77", "97", "99", "177", "197", "199", "777", "797", "799", "977"},
		trafficPolice: "ЦАФАП ГИБДД ГУ МВД России по г. Москве",
		taxOffice:     "ИФНС России № 5 по г. Москве",
		taxOfficeCode: "7705",
		arbitrazh:     "Арбитражный суд города Москвы",
		localities: []locality{{
			name: "Москва", postalBase: 101000, postalSpan: 29000,
			streets: []string{
				"ул. Тверская", "ул. Профсоюзная", "Ленинский пр-т", "ул. Новый Арбат",
				"ул. Бутырская", "Кутузовский пр-т", "ул. Маросейка", "ул. Большая Якиманка",
				"Варшавское ш.", "ул. Миклухо-Маклая", "ул. Летчика Бабушкина", "Волгоградский пр-т",
				"ул. Генерала Белова", "ул. Нижегородская", "Дмитровское ш.", "ул. Академика Королёва",
			},
			districtCourts: []string{
				"Тверской районный суд города Москвы", "Мещанский районный суд города Москвы",
				"Басманный районный суд города Москвы", "Пресненский районный суд города Москвы",
				"Хамовнический районный суд города Москвы", "Замоскворецкий районный суд города Москвы",
				"Гагаринский районный суд города Москвы", "Черёмушкинский районный суд города Москвы",
			},
			magistrateSuffix: " района Хамовники г. Москвы",
		}},
	},
	{
		code:          "50",
		name:          "Московская область",
		plateCodes:    []string{"50", "90", "150", "190", "750", "790"},
		trafficPolice: "ЦАФАП ГИБДД ГУ МВД России по Московской области",
		taxOffice:     "Межрайонная ИФНС России № 17 по Московской области",
		taxOfficeCode: "5047",
		arbitrazh:     "Арбитражный суд Московской области",
		localities: []locality{
			{name: "г. Химки", postalBase: 141400, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Химкинский городской суд Московской области"}, magistrateSuffix: " Химкинского судебного района Московской области"},
			{name: "г. Мытищи", postalBase: 141000, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Мытищинский городской суд Московской области"}, magistrateSuffix: " Мытищинского судебного района Московской области"},
			{name: "г. Балашиха", postalBase: 143900, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Балашихинский городской суд Московской области"}, magistrateSuffix: " Балашихинского судебного района Московской области"},
			{name: "г. Подольск", postalBase: 142100, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Подольский городской суд Московской области"}, magistrateSuffix: " Подольского судебного района Московской области"},
			{name: "г. Королёв", postalBase: 141070, postalSpan: 10, streets: oblastStreets,
				districtCourts: []string{"Королёвский городской суд Московской области"}, magistrateSuffix: " Королёвского судебного района Московской области"},
			{name: "г. Люберцы", postalBase: 140000, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Люберецкий городской суд Московской области"}, magistrateSuffix: " Люберецкого судебного района Московской области"},
			{name: "г. Одинцово", postalBase: 143000, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Одинцовский городской суд Московской области"}, magistrateSuffix: " Одинцовского судебного района Московской области"},
			{name: "г. Красногорск", postalBase: 143400, postalSpan: 20, streets: oblastStreets,
				districtCourts: []string{"Красногорский городской суд Московской области"}, magistrateSuffix: " Красногорского судебного района Московской области"},
		},
	},
}

var oblastStreets = []string{
	"ул. Ленина", "ул. Советская", "ул. Мира", "ул. Садовая", "ул. Школьная",
	"ул. Молодёжная", "ул. Гагарина", "ул. Октябрьская", "ул. Центральная", "пр-т Победы",
}

// villages are settlements of the Moscow Region for houses and land plots.
var villages = []string{
	"Одинцовский городской округ, д. Ивановка", "Истринский городской округ, с. Павловская Слобода",
	"Дмитровский городской округ, д. Ольгово", "Рузский городской округ, п. Тучково",
	"Сергиево-Посадский городской округ, д. Малинники", "Чеховский городской округ, с. Новый Быт",
	"Наро-Фоминский городской округ, д. Петровское", "Раменский городской округ, д. Заболотье",
}

// vehicleModel is a make and model with the fixed part of its VINs.
type vehicleModel struct {
	wmi   string // world manufacturer identifier, positions 1-3
	vds   string // vehicle descriptor, positions 4-8
	plant byte   // assembly plant, position 11
	name  string // make and model
}

var vehicleModels = []vehicleModel{
	{"XTA", "21901", '0', "LADA GRANTA"},
	{"XTA", "GFL11", '0', "LADA VESTA"},
	{"XTA", "21214", '0', "LADA NIVA LEGEND"},
	{"Z94", "CB41A", 'R', "KIA RIO"},
	{"Z94", "CT41B", 'R', "HYUNDAI SOLARIS"},
	{"XW8", "ZZZ61", 'Z', "VOLKSWAGEN POLO"},
	{"XW7", "BF3FK", 'X', "TOYOTA CAMRY"},
	{"X7L", "LSRAG", 'A', "RENAULT LOGAN"},
	{"Z8N", "TANT3", 'W', "NISSAN X-TRAIL"},
	{"X96", "A21R3", 'B', "GAZ GAZELLE NEXT"},
	{"XWE", "H3A1B", 'U', "CHERY TIGGO 7 PRO"},
	{"LVV", "DB21B", 'D', "HAVAL JOLION"},
}

// plateLetters are the Cyrillic letters allowed on registration plates:
// those that look like Latin letters.
var plateLetters = []rune("АВЕКМНОРСТУХ")

// orgNameStems and orgNameEndings make organisation names such as
// "ООО «Стройснаб»".
var (
	orgNameStems   = []string{"Строй", "Техно", "Авто", "Агро", "Энерго", "Мед", "Торг", "Пром", "Спец", "Транс", "Нефте", "Лес"}
	orgNameEndings = []string{"сервис", "монтаж", "снаб", "групп", "комплекс", "ресурс", "проект", "альянс", "маркет", "логистик"}
)

// employerNames are the names of the employers that pay incomes.
var employerNames = []string{
	"ООО «Северный ветер»", "ООО «Вектор»", "АО «Меридиан»", "ООО «Горизонт»",
	"ООО «Гранит»", "АО «Монолит»", "ООО «Интеграл»", "ООО «Ладога»", "ООО «Восход»",
	"АО «Магистраль»", "ООО «Спектр»", "ООО «Альтаир»", "ООО «Полюс»", "ООО «Феникс»",
	"АО «Орбита»",
}

// creditorBanks are banks that lend (real names and registration numbers).
var creditorBanks = []Party{
	{
		Kind: KindOrganization, Name: "ПАО Сбербанк", INN: "7707083893", OGRN: "1027700132195", KPP: "773601001",
		Address: Address{PostalCode: "117312", RegionCode: "77", Region: "г. Москва", Locality: "Москва", Street: "ул. Вавилова", House: "д. 19"},
	},
	{
		Kind: KindOrganization, Name: "АО «Альфа-Банк»", INN: "7728168971", OGRN: "1027700067328", KPP: "770801001",
		Address: Address{PostalCode: "107078", RegionCode: "77", Region: "г. Москва", Locality: "Москва", Street: "ул. Каланчёвская", House: "д. 27"},
	},
	{
		Kind: KindOrganization, Name: "Банк ВТБ (ПАО)", INN: "7702070139", OGRN: "1027739609391", KPP: "784201001",
		Address: Address{PostalCode: "191144", RegionCode: "78", Region: "г. Санкт-Петербург", Locality: "Санкт-Петербург", Street: "Дегтярный пер.", House: "д. 11", Building: "лит. А"},
	},
}

// fineArticle is a traffic offence and its fine in roubles.
type fineArticle struct {
	article string // part and article of the Code of Administrative Offences
	rubles  int64
}

var fineArticles = []fineArticle{
	{"ч. 2 ст. 12.9", 500},
	{"ч. 3 ст. 12.9", 1000},
	{"ч. 4 ст. 12.9", 2000},
	{"ч. 1 ст. 12.16", 500},
	{"ч. 2 ст. 12.16", 1000},
	{"ч. 1 ст. 12.12", 1000},
	{"ч. 4 ст. 12.15", 5000},
	{"ч. 2 ст. 12.37", 800},
	{"ч. 1 ст. 12.6", 1000},
	{"ч. 1 ст. 12.18", 1500},
	{"ч. 1 ст. 20.25", 1600}, // double an unpaid 800 fine
	{"ч. 1 ст. 12.8", 30000},
}
