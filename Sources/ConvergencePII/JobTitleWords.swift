/// Job titles, as a signature writes them straight after the name: "Igor Shevchenko CTO", "Gareth Llewellyn Workshop
/// Supervisor", "Frank Weidemann Vertriebsleiter". A run of capitalised words that holds one is weighed again without it
/// (and without the ordinary words before it, "Workshop", "Site", "Regional Sales"). Not titles before a name ("Dr.",
/// "Professor"): those are the gazetteer's.
enum JobTitleWords {
    static let words = WordSet("""
        manager director engineer supervisor consultant officer assistant specialist coordinator analyst lead head \
        executive president partner associate administrator advisor adviser representative architect developer \
        designer accountant attorney counsel solicitor barrister clerk nurse physician surgeon dermatologist \
        cardiologist radiologist therapist physiotherapist technician secretary treasurer chairman chairwoman \
        chairperson founder cofounder co-founder owner intern editor producer recruiter scientist researcher lecturer \
        teacher paralegal pharmacist dentist veterinarian controller auditor buyer planner strategist foreman \
        ceo cto cfo coo cio cmo cso ciso cpo svp evp avp \
        geschäftsführer geschäftsführerin leiterin berater beraterin referent referentin ingenieur ingenieurin \
        inhaber inhaberin sachbearbeiter sachbearbeiterin prokurist prokuristin \
        directeur directrice responsable gérant gérante ingénieur conseiller conseillère chargé chargée \
        directora gerente jefe jefa ingeniero ingeniera asesor asesora diretor diretora engenheiro engenheira \
        direttore direttrice responsabile ingegnere adviseur medewerker medewerkster
        """)

    /// German compounds end in their job: "Vertriebsleiter", "Projektleiterin", "Geschäftsführer".
    static let germanEndings: [StaticString] = ["leiter", "leiterin", "führer", "führerin"]

    static func contains(_ b: ASCII.Bytes, _ from: Int, _ to: Int) -> Bool {
        if words.contains(b, from, to) { return true }
        for ending in germanEndings where to - from > ending.utf8CodeUnitCount + 2 {
            if ASCII.equals(b, to - ending.utf8CodeUnitCount, to, ending) { return true }
        }
        return false
    }
}
