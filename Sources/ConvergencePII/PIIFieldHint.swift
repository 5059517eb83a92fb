/// What the JSON key a string sits under says it holds: `{"full_name": "Ada
/// Lovelace"}` is a name even though the text alone is only two capitalised
/// words. A hint lowers the bar for the kind it names; it never flags a value
/// whose shape does not fit (a `name` of "report.pdf" is not a person).
public enum PIIFieldHint: Sendable, Equatable {
    case none
    case personName
    case postalAddress
    case dateOfBirth
    case phone
    case nationalID

    /// The hint for a key: compared case-insensitively with `_`, `-`, `.` and
    /// spaces ignored, so `full_name`, `fullName` and `Full-Name` are one key.
    public init(key: UnsafeBufferPointer<UInt8>) {
        guard key.count <= 32 else { self = .none; return }
        self = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { folded in
            var n = 0
            for c in key where !(c == 0x5F || c == 0x2D || c == 0x2E || c == 0x20) {
                folded[n] = ASCII.lower(c)
                n += 1
            }
            return Self.hint(forFolded: ASCII.Bytes(UnsafeMutableBufferPointer(rebasing: folded[..<n])))
        }
    }

    public init(key: String) {
        var key = key
        self = key.withUTF8 { PIIFieldHint(key: $0) }
    }

    static let keys: [(StaticString, PIIFieldHint)] = [
        ("name", .personName), ("fullname", .personName), ("firstname", .personName), ("lastname", .personName),
        ("givenname", .personName), ("familyname", .personName), ("surname", .personName), ("forename", .personName),
        ("middlename", .personName), ("maidenname", .personName), ("patient", .personName), ("patientname", .personName),
        ("customername", .personName), ("contactname", .personName), ("clientname", .personName), ("employeename", .personName),
        ("personname", .personName), ("displayname", .personName), ("recipientname", .personName), ("sender", .personName),
        ("fname", .personName), ("lname", .personName),
        // Short keys of form posts and FHIR-like records ("first=Chiamaka last=Obi", `{"given": "Aarav", "family": "Chopra"}`)
        // and who a record is about ("owner=Solveig Nyström", "cliente=Francesca Moretti"); the value's shape still decides.
        ("first", .personName), ("last", .personName), ("given", .personName), ("family", .personName), ("owner", .personName),
        ("customer", .personName), ("client", .personName), ("cliente", .personName), ("kunde", .personName),
        ("musteri", .personName), ("musteriadi", .personName), ("adsoyad", .personName),
        ("address", .postalAddress), ("strasse", .postalAddress), ("straße", .postalAddress),
        ("streetaddress", .postalAddress), ("street", .postalAddress), ("homeaddress", .postalAddress),
        ("mailingaddress", .postalAddress), ("postaladdress", .postalAddress), ("billingaddress", .postalAddress),
        ("shippingaddress", .postalAddress), ("addressline1", .postalAddress), ("addressline2", .postalAddress), ("addr", .postalAddress),
        ("dob", .dateOfBirth), ("dateofbirth", .dateOfBirth), ("birthdate", .dateOfBirth), ("birthday", .dateOfBirth), ("born", .dateOfBirth),
        ("phone", .phone), ("phonenumber", .phone), ("telephone", .phone), ("tel", .phone), ("mobile", .phone), ("cell", .phone),
        ("cellphone", .phone), ("mobilenumber", .phone), ("fax", .phone), ("contactnumber", .phone), ("msisdn", .phone),
        ("ssn", .nationalID), ("nationalid", .nationalID), ("nino", .nationalID), ("sin", .nationalID), ("aadhaar", .nationalID),
        ("passport", .nationalID), ("passportnumber", .nationalID), ("taxid", .nationalID), ("idnumber", .nationalID),
        ("tfn", .nationalID), ("cpf", .nationalID), ("personnummer", .nationalID), ("rrn", .nationalID), ("medicarenumber", .nationalID),
        // The same keys in Spanish, Portuguese, French, German, Italian, Dutch and Polish.
        ("nombre", .personName), ("apellido", .personName), ("apellidos", .personName), ("nombrecompleto", .personName),
        ("nome", .personName), ("sobrenome", .personName), ("nomecompleto", .personName), ("nom", .personName),
        ("prenom", .personName), ("prénom", .personName), ("nomcomplet", .personName), ("vorname", .personName),
        ("nachname", .personName), ("cognome", .personName), ("naam", .personName), ("voornaam", .personName),
        ("achternaam", .personName), ("nazwisko", .personName), ("imie", .personName), ("imię", .personName),
        ("direccion", .postalAddress), ("dirección", .postalAddress), ("domicilio", .postalAddress), ("endereco", .postalAddress),
        ("endereço", .postalAddress), ("adresse", .postalAddress), ("anschrift", .postalAddress), ("indirizzo", .postalAddress),
        ("adres", .postalAddress), ("adresa", .postalAddress),
        ("fechadenacimiento", .dateOfBirth), ("fechanacimiento", .dateOfBirth), ("datadenascimento", .dateOfBirth),
        ("datanascimento", .dateOfBirth), ("datedenaissance", .dateOfBirth), ("geburtsdatum", .dateOfBirth),
        ("datadinascita", .dateOfBirth), ("geboortedatum", .dateOfBirth), ("dataurodzenia", .dateOfBirth),
        ("telefono", .phone), ("teléfono", .phone), ("telefone", .phone), ("telefon", .phone), ("telefonnummer", .phone),
        ("handy", .phone), ("movil", .phone), ("móvil", .phone), ("celular", .phone), ("cellulare", .phone),
        ("telefoonnummer", .phone), ("mobiel", .phone), ("whatsapp", .phone), ("téléphone", .phone),
        ("dni", .nationalID), ("nie", .nationalID), ("nif", .nationalID), ("curp", .nationalID), ("nir", .nationalID),
        ("bsn", .nationalID), ("pesel", .nationalID), ("codicefiscale", .nationalID), ("steuerid", .nationalID),
        ("cnic", .nationalID), ("nric", .nationalID), ("tckn", .nationalID), ("rut", .nationalID), ("cedula", .nationalID),
        ("cédula", .nationalID),
    ]

    /// `keys` grouped by length, built once: a key is compared with the few of its own length only
    /// (this runs for every string of a check's context).
    static let byLength: [[(StaticString, PIIFieldHint)]] = (0...32).map { n in keys.filter { $0.0.utf8CodeUnitCount == n } }

    static func hint(forFolded key: ASCII.Bytes) -> PIIFieldHint {
        guard key.count < byLength.count else { return .none }
        for (name, hint) in byLength[key.count] where ASCII.hasPrefix(key, at: 0, name) { return hint }
        return .none
    }
}
